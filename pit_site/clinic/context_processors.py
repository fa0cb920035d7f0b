from .models import Clinic


def clinic(request):
    return {"clinic": Clinic.load()}

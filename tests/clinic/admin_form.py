"""Posting the clinic's details form in the admin, with its team inline."""

from django.db import models

from pit_site.clinic.admin import ClinicianForm
from pit_site.clinic.models import Clinic, Clinician

# The inline's management form with no clinician forms: the team is left as it is.
UNCHANGED_TEAM = {"clinicians-TOTAL_FORMS": "0", "clinicians-INITIAL_FORMS": "0"}


def _fields(model, names, instance, prefix=""):
    """Form data for ``names`` of ``instance``; ticked boxes only, as browsers send."""
    data = {}
    for name in names:
        field, value = model._meta.get_field(name), getattr(instance, name)
        if isinstance(field, models.BooleanField):
            if value:
                data[prefix + name] = "on"
        else:
            data[prefix + name] = "" if value is None else str(value)
    return data


def clinic_form_data(clinic=None, team=None):
    """What the change form posts for ``clinic`` (default: the saved details) unchanged, with
    one inline form per clinician in ``team`` (default: the saved team; unsaved ones are new)."""
    clinic = clinic or Clinic.load()
    names = [f.name for f in Clinic._meta.concrete_fields if f.editable and not f.primary_key]
    data = _fields(Clinic, names, clinic)
    team = list(clinic.clinicians.all()) if team is None else team
    data |= {
        "clinicians-TOTAL_FORMS": str(len(team)),
        "clinicians-INITIAL_FORMS": str(sum(person.pk is not None for person in team)),
    }
    person_fields = [name for name in ClinicianForm.Meta.fields if name != "photo"]
    for number, person in enumerate(team):
        prefix = f"clinicians-{number}-"
        data[prefix + "id"] = "" if person.pk is None else str(person.pk)
        data[prefix + "clinic"] = str(clinic.pk)
        data |= _fields(Clinician, person_fields, person, prefix)
    return data

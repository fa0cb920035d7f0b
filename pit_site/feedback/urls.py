from django.urls import path

from . import views

app_name = "feedback"

urlpatterns = [
    path("feedback/", views.vote, name="vote"),
    path("feedback/comment/", views.comment, name="comment"),
]

from django.urls import path, re_path

from . import views

app_name = "pages"

urlpatterns = [
    path("", views.page, name="home"),
    re_path(r"^(?P<path>[a-z0-9-]+(?:/[a-z0-9-]+)*)/$", views.page, name="page"),
]

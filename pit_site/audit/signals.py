"""Audit entries for sign-ins and role changes, which happen outside this project's views."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver

from .models import Action, record

User = get_user_model()


@receiver(user_logged_in)
def signed_in(sender, request, user, **kwargs):
    record(Action.SIGN_IN, request=request, actor=user)


@receiver(user_login_failed)
def sign_in_failed(sender, credentials, request=None, **kwargs):
    if credentials.get("second_step"):
        return  # the second-step view records its own failures
    username = str(credentials.get("username", ""))
    actor = User.objects.filter(username=username[:150]).first()
    record(Action.SIGN_IN_FAILED, request=request, actor=actor, subject=username)


@receiver(user_logged_out)
def signed_out(sender, request, user, **kwargs):
    if user is not None:
        record(Action.SIGN_OUT, request=request, actor=user)


ROLE_FIELDS = ["is_superuser", "is_staff", "is_active"]


@receiver(pre_save, sender=User)
def role_flags_changed(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    before = User.objects.filter(pk=instance.pk).values(*ROLE_FIELDS).first()
    if before is None:
        return
    changes = [
        f"{field} {before[field]} → {getattr(instance, field)}"
        for field in ROLE_FIELDS
        if before[field] != getattr(instance, field)
    ]
    if changes:
        record(Action.ROLE_CHANGED, subject=instance.get_username(), detail="; ".join(changes))


@receiver(m2m_changed, sender=User.groups.through)
def groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "pre_clear"} or reverse:
        return
    if action == "pre_clear":
        names = list(instance.groups.values_list("name", flat=True))
        verb = "removed from"
    else:
        if not pk_set:
            return
        from django.contrib.auth.models import Group

        names = list(Group.objects.filter(pk__in=pk_set).values_list("name", flat=True))
        verb = "added to" if action == "post_add" else "removed from"
    if names:
        record(
            Action.ROLE_CHANGED,
            subject=instance.get_username(),
            detail=f"{verb} {', '.join(sorted(names))}",
        )

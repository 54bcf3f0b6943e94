"""Template context: the user's role flags, for the menu and the pages."""

from . import roles


def role_flags(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_worker": False, "is_staff_reader": False, "primary_role": None}
    return {
        "is_worker": roles.is_worker(user),
        "is_staff_reader": roles.is_staff_reader(user),
        "primary_role": roles.primary_role(user),
    }

"""What SAML and SCIM share: roles as the directory decides them, and the user's profile."""

from __future__ import annotations

from django.contrib.auth.models import Group

from accounts.models import User
from accounts.roles import Role
from sso.models import IdentityProfile

# When a person's directory groups map to several roles, the broadest one wins.
ROLE_PRECEDENCE: list[Role] = [Role.ADMIN, Role.SUPERVISOR, Role.AUDITOR, Role.AGENT]


def role_strongest(roles: set[str]) -> Role | None:
    for role in ROLE_PRECEDENCE:
        if role.value in roles:
            return role
    return None


def role_assign(user: User, role: Role) -> bool:
    """Gives the user exactly this role group; returns whether anything changed."""
    if user.role == role.value:
        return False
    role_groups = Group.objects.filter(name__in=[r.value for r in Role])
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=role.value))
    return True


def profile_for(user: User) -> IdentityProfile:
    profile, _created = IdentityProfile.objects.get_or_create(user=user)
    return profile

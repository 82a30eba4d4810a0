from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.functional import cached_property

from villesolidaire.accounts.enums import STAFF_ROLES, Role
from villesolidaire.core.fields import user_reference


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("Une adresse e-mail est obligatoire.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        user = self._create_user(email, password, **extra)
        RoleGrant.objects.get_or_create(user=user, role=Role.ADMIN)
        return user

    def coordinator_emails(self) -> list[str]:
        """The addresses that alerts for the coordination go to (active coordinators with an e-mail)."""
        return list(
            self.filter(role_grants__role=Role.COORDINATOR, is_active=True, is_api_account=False)
            .exclude(email="")
            .values_list("email", flat=True)
            .distinct()
            .order_by("email")
        )


class User(AbstractUser):
    """A person who signs in: staff with password + TOTP, volunteers with magic links."""

    username = None
    email = models.EmailField("adresse e-mail", unique=True)
    # Set with territory.QuartierScope by its services: read with the user row at every request,
    # so that the quartiers are looked up only for the few people who have a limit.
    is_quartier_limited = models.BooleanField("limité à des quartiers", default=False, editable=False)
    # The account an API key acts as (villesolidaire.api): no password, no second factor, never a
    # person to alert or to list among the staff.
    is_api_account = models.BooleanField("compte d'une clé d'API", default=False, editable=False)
    # A password someone else chose (an administrator in the Django admin, the host's create_town or
    # create_host_operator): its owner must replace it before opening any staff page.
    password_is_provisional = models.BooleanField("mot de passe provisoire", default=False, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = "utilisateur·rice"
        verbose_name_plural = "utilisateur·rices"

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @cached_property
    def roles(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(self.role_grants.values_list("role", flat=True))

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @cached_property
    def quartier_ids(self) -> frozenset[int] | None:
        """The quartiers this person's staff roles stop at; None: the whole town.

        Read from `territory.QuartierScope` through its reverse accessor (that app sits above this one).
        """
        if not (self.pk and self.is_quartier_limited):
            return None
        scope = getattr(self, "quartier_scope", None)
        return scope.quartier_ids() if scope is not None else frozenset()

    @property
    def is_staff_member(self) -> bool:
        return bool(self.roles & STAFF_ROLES)


class RoleGrant(models.Model):
    """One role held by one user, with who granted it and when (accountability)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_grants", verbose_name="utilisateur·rice"
    )
    role = models.CharField("rôle", max_length=32, choices=Role.choices)
    granted_at = models.DateTimeField("attribué le", auto_now_add=True)
    granted_by = user_reference("attribué par")

    class Meta:
        verbose_name = "rôle attribué"
        verbose_name_plural = "rôles attribués"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_role_per_user")]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()}"

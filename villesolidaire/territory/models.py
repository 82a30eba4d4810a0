import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, RegexValidator
from django.db import models

from villesolidaire.core.caches import ReferenceData
from villesolidaire.core.fields import optional_reference
from villesolidaire.territory.geometry import centre_of, validate_polygons

MIN_CONTRAST = 4.5
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of a #RRGGBB colour."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Couleur attendue au format #RRGGBB.")
# A commune's INSEE code: 5 digits, or 2A/2B and 3 digits in Corsica. The one pattern behind this
# validator, the BAN import (`ban.INSEE`) and the data·inclusion zone codes (`partners.vocabulary`).
INSEE_COMMUNE = r"\d{5}|2[AB]\d{3}"
insee_code = RegexValidator(rf"^({INSEE_COMMUNE})$", "Code INSEE attendu : 5 caractères (ex. 35238).")


class Town(models.Model):
    """The town that runs this instance. One row; it brands every page."""

    name = models.CharField("nom de la commune", max_length=120)
    insee_code = models.CharField("code INSEE", max_length=5, validators=[insee_code])
    service_name = models.CharField("nom du service", max_length=120, default="CCAS")
    # An intercommunal service (CIAS) serving several communes (`Commune`): its pages and documents
    # speak of the communes and their service, not of one commune and its mairie.
    is_intercommunal = models.BooleanField("service intercommunal (plusieurs communes)", default=False)
    programme_name = models.CharField("nom du dispositif", max_length=120, default="Volontaires Solidaires")
    logo = models.FileField(
        "logo",
        upload_to="branding/",
        blank=True,
        validators=[FileExtensionValidator(["png", "jpg", "jpeg", "svg", "webp"])],
    )
    primary_colour = models.CharField("couleur principale", max_length=7, default="#1d4e89", validators=[hex_colour])
    accent_colour = models.CharField("couleur d'accent", max_length=7, default="#b3541e", validators=[hex_colour])
    hotline_phone = models.CharField("numéro unique", max_length=30, blank=True)
    contact_email = models.EmailField("e-mail de contact", blank=True)
    dpo_contact = models.CharField("contact du délégué à la protection des données", max_length=200, blank=True)
    accessibility_status = models.CharField(
        "conformité RGAA",
        max_length=20,
        choices=[("non", "non conforme"), ("partiel", "partiellement conforme"), ("total", "totalement conforme")],
        default="partiel",
    )
    need_notification_approval_threshold = models.PositiveIntegerField(
        "seuil de validation des envois des partenaires",
        default=50,
        help_text=(
            "Quand un partenaire prévient plus de volontaires que ce nombre en une fois, l'envoi attend "
            "la validation d'un·e coordinateur·rice. 0 : les envois des partenaires partent sans validation."
        ),
    )
    centre_latitude = models.FloatField("latitude du centre", null=True, blank=True)
    centre_longitude = models.FloatField("longitude du centre", null=True, blank=True)
    publish_figures = models.BooleanField(
        "publier les chiffres de la solidarité",
        default=False,
        help_text=(
            "Ouvre la page publique /chiffres/ (chiffres clés de l'année et de la précédente, par quartier "
            "et par catégorie). Un nombre inférieur au seuil de confidentialité s'y affiche « moins de … »."
        ),
    )

    class Meta:
        verbose_name = "commune"
        verbose_name_plural = "commune"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if not self.pk and Town.objects.exists():
            raise ValidationError("La commune est déjà configurée : modifiez-la plutôt qu'en créer une autre.")
        # The header, buttons and links print white text on the primary colour (or the
        # colour on white): WCAG AA asks for 4.5:1 for normal text.
        if _HEX.match(self.primary_colour or ""):
            ratio = contrast_ratio(self.primary_colour, "#ffffff")
            if ratio < MIN_CONTRAST:
                raise ValidationError(
                    {
                        "primary_colour": (
                            f"Contraste insuffisant avec le texte blanc : {ratio:.2f}:1 "
                            f"pour {MIN_CONTRAST}:1 au moins (RGAA / WCAG AA). Choisissez une couleur plus foncée."
                        )
                    }
                )

    @classmethod
    def current(cls) -> "Town | None":
        return cls.objects.order_by("pk").first()

    @classmethod
    def remembered(cls) -> "Town | None":
        """`current()` as this process remembers it (core.caches.ReferenceData): for the busiest
        writes (the public sign-up's messages and geocoding), which read a few of its fields and
        never change them. Pages that show or edit the settings read `current()`."""
        return remembered_town.get()

    @classmethod
    def current_name(cls) -> str:
        """The town's name, or "" before the town is configured (export headings)."""
        return cls.objects.order_by("pk").values_list("name", flat=True).first() or ""


remembered_town: ReferenceData[Town | None] = ReferenceData(Town.current, changed_by=(Town,))


class Commune(models.Model):
    """One commune an intercommunal service (CIAS) serves (issue 13). A town's own CCAS has none:
    everything is its one commune. Quartiers belong to a commune; so do the rows placed in them,
    so each commune has its own register and figures (the bilan per commune)."""

    name = models.CharField("nom", max_length=120, unique=True)
    insee_code = models.CharField("code INSEE", max_length=5, unique=True, validators=[insee_code])

    class Meta:
        verbose_name = "commune servie"
        verbose_name_plural = "communes servies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Quartier(models.Model):
    name = models.CharField("nom", max_length=120, unique=True)
    commune = optional_reference(Commune, "commune", related_name="quartiers")
    code = models.SlugField("code", max_length=40, unique=True)
    boundary_geojson = models.TextField(
        "contour (GeoJSON)",
        blank=True,
        help_text=(
            "Polygon ou MultiPolygon en WGS84 (longitude, latitude). Sert à placer les adresses dans le quartier."
        ),
    )
    centre_latitude = models.FloatField("latitude du centre", null=True, blank=True)
    centre_longitude = models.FloatField("longitude du centre", null=True, blank=True)

    class Meta:
        verbose_name = "quartier"
        verbose_name_plural = "quartiers"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.boundary_geojson = (self.boundary_geojson or "").strip()
        try:
            polygons = validate_polygons(self.boundary_geojson)
        except ValueError as exc:
            raise ValidationError({"boundary_geojson": f"Contour invalide : {exc}"}) from exc
        # The centre places addresses outside every contour in the nearest quartier.
        if polygons and (self.centre_latitude is None or self.centre_longitude is None):
            self.centre_latitude, self.centre_longitude = centre_of(polygons)


class QuartierScope(models.Model):
    """A person whose staff roles stop at some quartiers (issue 13): a quartier coordinator, a
    social landlord's caretaker who relays alerts for their buildings only.

    They open only the pages marked `accounts.perms.quartier_aware`, and there only the rows of
    their quartiers (`accounts.perms.within_quartiers`); every other staff page gives them a 404.
    No scope: the whole town. A scope with no quartier: nothing.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="quartier_scope",
        verbose_name="personne",
    )
    quartiers = models.ManyToManyField(Quartier, blank=True, related_name="+", verbose_name="quartiers")
    # An intercommunal service limits someone to whole communes: their quartiers, today's and future ones.
    communes = models.ManyToManyField(Commune, blank=True, related_name="+", verbose_name="communes")
    updated_at = models.DateTimeField("modifié le", auto_now=True)

    class Meta:
        verbose_name = "périmètre limité à des quartiers"
        verbose_name_plural = "périmètres limités à des quartiers"

    def __str__(self) -> str:
        places = [c.name for c in self.communes.all()] + [q.name for q in self.quartiers.all()]
        return f"{self.user} — {', '.join(places) or 'aucun quartier'}"

    def quartier_ids(self) -> frozenset[int]:
        """Its quartiers and those of its communes (one query)."""
        return frozenset(
            Quartier.objects.filter(
                models.Q(pk__in=self.quartiers.all()) | models.Q(commune__in=self.communes.all())
            ).values_list("pk", flat=True)
        )


class BanAddress(models.Model):
    """One row of a BAN `adresses-XX.csv` file: the offline geocoder's index."""

    ban_id = models.CharField(max_length=60, unique=True)
    # The BAN's stable identifier (`id_ban_adresse`, files "with ids" only): `ban_id` changes
    # when a street is renamed or renumbered, this one does not.
    id_ban_adresse = models.UUIDField(null=True, blank=True)
    numero = models.CharField(max_length=10, blank=True)
    rep = models.CharField(max_length=10, blank=True)
    nom_voie = models.CharField(max_length=200)
    code_postal = models.CharField(max_length=5)
    code_insee = models.CharField(max_length=5)
    nom_commune = models.CharField(max_length=120)
    # A commune nouvelle's former commune (commune déléguée): residents still name it.
    code_insee_ancienne_commune = models.CharField(max_length=5, blank=True)
    nom_ancienne_commune = models.CharField(max_length=120, blank=True)
    longitude = models.FloatField()
    latitude = models.FloatField()
    # Folded street + commune (+ former commune), for accent- and case-insensitive search.
    search_text = models.CharField(max_length=450)

    class Meta:
        verbose_name = "adresse BAN"
        verbose_name_plural = "adresses BAN"
        indexes = [
            models.Index(fields=["code_insee", "search_text"], name="ban_commune_search"),
            models.Index(fields=["search_text"], name="ban_search"),
            # The import finds an address by its stable id first (`import_ban`).
            models.Index(fields=["id_ban_adresse"], name="ban_stable_id"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def housenumber(self) -> str:
        return f"{self.numero} {self.rep}".strip() if self.rep else self.numero

    @property
    def label(self) -> str:
        street = f"{self.housenumber} {self.nom_voie}".strip()
        return address_label(street, self.code_postal, self.nom_commune, self.nom_ancienne_commune)


def address_label(street: str, postcode: str, commune: str, former_commune: str = "") -> str:
    """ "12 Rue de la Paix 35000 Rennes"; in a commune nouvelle, the former commune after the street
    as the national geocoder writes it: "3 Rue de l'Église, Saint-Aubin 14000 Val-Neuf"."""
    if former_commune and former_commune != commune:
        street = f"{street}, {former_commune}"
    return f"{street} {postcode} {commune}"


class Located(models.Model):
    """Address fields shared by volunteers, residents and any place.

    `address` is always kept as typed. When the geocoder finds it, the normalised label,
    coordinates and quartier are filled in; otherwise `is_located` stays false and the
    record remains fully usable.
    """

    address = models.CharField("adresse", max_length=250, blank=True)
    address_complement = models.CharField("complément d'adresse", max_length=120, blank=True)
    postcode = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=120, blank=True)
    ban_id = models.CharField("identifiant BAN", max_length=60, blank=True)
    latitude = models.FloatField("latitude", null=True, blank=True)
    longitude = models.FloatField("longitude", null=True, blank=True)
    is_located = models.BooleanField("adresse localisée", default=False)
    quartier = optional_reference(Quartier, "quartier")

    class Meta:
        abstract = True

    @property
    def full_address(self) -> str:
        parts = [self.address, self.address_complement, f"{self.postcode} {self.city}".strip()]
        return ", ".join(part for part in parts if part)

import pytest

from tests.territory.ban_sample import ADDRESSES
from villesolidaire.core.text import fold
from villesolidaire.territory.models import BanAddress


@pytest.fixture
def ban():
    BanAddress.objects.bulk_create(
        BanAddress(
            ban_id=ban_id,
            numero=numero,
            rep=rep,
            nom_voie=nom_voie,
            code_postal=code_postal,
            code_insee=code_insee,
            nom_commune=nom_commune,
            longitude=lon,
            latitude=lat,
            search_text=fold(f"{nom_voie} {nom_commune}"),
        )
        for ban_id, numero, rep, nom_voie, code_postal, code_insee, nom_commune, lon, lat in ADDRESSES
    )

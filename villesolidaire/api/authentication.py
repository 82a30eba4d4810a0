"""`Authorization: Bearer vs_…`: the key's account becomes the request's user, the key its `auth`."""

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from villesolidaire.api.services import api_key_for_token

REFUSED = "Clé d'API inconnue, expirée ou révoquée."


class ApiKeyAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None  # no key: public endpoints answer, the others say 401
        if len(header) != 2:
            raise AuthenticationFailed("En-tête Authorization invalide : « Bearer » suivi de la clé.")
        try:
            token = header[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise AuthenticationFailed(REFUSED) from error
        key = api_key_for_token(token)
        if key is None:
            raise AuthenticationFailed(REFUSED)
        return key.account, key

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a call without a key.
        return 'Bearer realm="api"'

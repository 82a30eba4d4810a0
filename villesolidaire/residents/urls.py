from django.urls import path

from villesolidaire.residents import views

app_name = "residents"

urlpatterns = [
    path("gestion/habitants/", views.resident_list, name="list"),
    path("gestion/habitants/<int:pk>/", views.resident_detail, name="detail"),
    path("gestion/habitants/<int:pk>/modifier/", views.resident_edit, name="edit"),
    path("gestion/habitants/<int:pk>/fusionner/", views.resident_merge, name="merge"),
    path("gestion/habitants/<int:pk>/proches/", views.contact_add, name="contact_add"),
    path("gestion/habitants/<int:pk>/proches/<int:contact_pk>/retirer/", views.contact_delete, name="contact_delete"),
]

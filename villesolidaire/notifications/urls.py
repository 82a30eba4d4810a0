from django.urls import path

from villesolidaire.notifications import views

app_name = "notifications"

urlpatterns = [
    path("gestion/envois/", views.message_log, name="log"),
    path("gestion/envois/echecs/", views.failures, name="failures"),
    path("gestion/envois/<int:pk>/renvoyer/", views.resend, name="resend"),
    path("gestion/a-rappeler/", views.call_tasks, name="call_tasks"),
    path("gestion/a-rappeler/<int:pk>/fait/", views.call_task_done, name="call_task_done"),
]

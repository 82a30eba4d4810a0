from django.urls import path

from villesolidaire.surveys import views

app_name = "surveys"

urlpatterns = [
    path("gestion/evaluation/", views.synthesis, name="synthesis"),
    path("gestion/evaluation/questionnaires/", views.wave_list, name="wave_list"),
    path("gestion/evaluation/questionnaires/<int:pk>/", views.wave_detail, name="wave_detail"),
    path("gestion/evaluation/citations/", views.quote_list, name="quote_list"),
    path("gestion/evaluation/citations/<int:pk>/", views.quote_edit, name="quote_edit"),
    # The desk types a resident's answers during the call (the call task's own page).
    path("gestion/a-rappeler/<int:pk>/questionnaire/", views.call_answer, name="call_answer"),
    # A volunteer's own link (SurveyRecipient token): no login, this questionnaire only, once.
    path("questionnaire/merci/", views.answer_thanks, name="answer_thanks"),
    path("questionnaire/<str:token>/", views.answer, name="answer"),
]

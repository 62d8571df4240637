from django.urls import path

from . import views

urlpatterns = [
    path("cases/", views.CaseCreate.as_view()),
    path("cases/<int:pk>/transitions/<slug:name>/", views.CaseTransition.as_view()),
]

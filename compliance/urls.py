"""URLs of the compliance API (mounted at /api/v1/compliance/)."""

from django.urls import path

from compliance import api, api_city, api_users

app_name = "compliance"

urlpatterns = [
    path("indicators/", api.IndicatorListApi.as_view(), name="indicator-list"),
    path("results/", api.ResultListApi.as_view(), name="result-list"),
    path("scorecard/", api.ScorecardApi.as_view(), name="scorecard"),
    path("city/", api_city.CityRollupApi.as_view(), name="city-rollup"),
    path("evaluate/", api.EvaluateApi.as_view(), name="evaluate"),
    path("scenarios/", api.ScenarioApi.as_view(), name="scenarios"),
    path("scenarios/presets/", api.ScenarioPresetsApi.as_view(), name="scenario-presets"),
    path("actions/", api.ActionListApi.as_view(), name="actions"),
    path("users/", api_users.UsersPlansApi.as_view(), name="users-plans"),
]

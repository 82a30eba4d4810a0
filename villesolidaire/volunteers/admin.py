from django.contrib import admin

from villesolidaire.volunteers.models import RecruitmentCall, Skill


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "bit", "is_active"]


@admin.register(RecruitmentCall)
class RecruitmentCallAdmin(admin.ModelAdmin):
    list_display = ["title", "opens_at", "closes_at"]

"""The default complaint categories (DESIGN.md §3 Complaints): editable in the admin."""

from django.db import migrations

CATEGORIES = [
    # code, Chinese, English, service area, usually responsible, resolve days (None: site limits)
    ("service_attitude", "服务态度", "Service attitude", "complaints", "property_company", None),
    ("facility_repair", "设施维修", "Facility repair", "maintenance", "property_company", None),
    ("cleaning", "环境卫生", "Cleaning", "cleaning", "property_company", None),
    ("landscaping", "绿化养护", "Landscaping", "landscaping", "property_company", None),
    ("security", "安全秩序", "Security", "security", "property_company", None),
    ("fire_safety", "消防安全", "Fire safety", "fire_safety", "property_company", 3),
    ("parking", "停车管理", "Parking", "parking", "property_company", None),
    ("noise", "噪声扰民", "Noise", "security", "property_company", None),
    (
        "illegal_construction",
        "违章搭建与违规装修",
        "Illegal construction or renovation",
        "maintenance",
        "property_company",
        15,
    ),
    ("animals", "宠物与动物", "Animals", "cleaning", "owner", None),
    ("fees", "物业收费", "Fees", "disclosure", "property_company", None),
    (
        "disclosure",
        "公共收益、维修资金与信息公开",
        "Disclosure, common income and maintenance fund",
        "disclosure",
        "property_company",
        15,
    ),
    ("committee_work", "业委会工作", "The committee's own work", None, "committee", None),
    ("suggestion", "建议与咨询", "Suggestion or inquiry", "complaints", "committee", None),
]


def seed(apps, schema_editor):
    Category = apps.get_model("complaints", "Category")
    ServiceArea = apps.get_model("committee_site", "ServiceArea")
    areas = {area.code: area for area in ServiceArea.objects.all()}
    for order, (code, name, name_en, area, responsible, days) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "service_area": areas.get(area) if area else None,
                "default_responsible": responsible,
                "resolve_days": days,
                "order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial"), ("committee_site", "0002_seed_service_areas_and_time_limits")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

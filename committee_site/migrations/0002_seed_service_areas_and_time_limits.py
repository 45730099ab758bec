"""The refined service contents (DESIGN.md §3 Base) and the default time
limits (§6). Both stay editable in the admin; this only seeds them."""

from django.db import migrations

SERVICE_AREAS = [
    ("move_in", "入住接待", "Move-in reception"),
    ("maintenance", "共用部位和设施设备维修养护", "Common parts & facilities maintenance"),
    ("complaints", "投诉处理", "Complaint handling"),
    ("security", "安全保卫", "Security"),
    ("parking", "车辆停放及交通管理", "Parking & traffic"),
    ("fire_safety", "消防管理", "Fire safety"),
    ("cleaning", "环境卫生", "Cleaning"),
    ("landscaping", "绿化", "Landscaping"),
    ("disclosure", "信息公开与财务收支", "Disclosure & finance"),
]


def seed(apps, schema_editor):
    ServiceArea = apps.get_model("committee_site", "ServiceArea")
    TimeLimits = apps.get_model("committee_site", "TimeLimits")
    for order, (code, name, name_en) in enumerate(SERVICE_AREAS, start=1):
        ServiceArea.objects.update_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order * 10}
        )
    TimeLimits.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("committee_site", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

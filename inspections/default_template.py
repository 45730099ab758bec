"""The default 100-point deduction sheet of DESIGN.md §6, in both languages.
The data migration seeds it; the browser tests put it back after a flush."""

from __future__ import annotations

from typing import Any

# (section zh, section en, points, service area code, [(item zh, item en, points, critical)])
SECTIONS: list[tuple[str, str, int, str, list[tuple[str, str, int, bool]]]] = [
    (
        "客户服务与管理",
        "Customer service & management",
        15,
        "complaints",
        [
            ("人员配备符合合同约定，佩戴工牌", "Staffing as the contract promises, badges worn", 3, False),
            (
                "公告栏公示投诉电话、服务标准和收费标准",
                "Notice board shows complaint line, standards and fees",
                3,
                False,
            ),
            ("投诉登记台账完整", "Complaint log kept", 3, False),
            ("投诉回访记录完整", "Callback records kept", 3, False),
            ("入住接待规范", "Move-in reception done properly", 3, False),
        ],
    ),
    (
        "房屋共用部位",
        "Building common parts",
        10,
        "maintenance",
        [
            ("外立面、楼道、门窗完好整洁", "Façade, stairwells, doors and windows in good order", 4, False),
            ("装修巡查到位并有记录", "Renovation patrols done and recorded", 3, False),
            ("屋面排水通畅", "Roof drainage clear", 3, False),
        ],
    ),
    (
        "共用设施设备",
        "Facilities & equipment",
        20,
        "maintenance",
        [
            (
                "共用部位和设施设备维修养护计划齐全并落实",
                "Maintenance plan for common parts and equipment kept and followed",
                5,
                False,
            ),
            ("电梯年检合格证公示，每15日维保一次", "Elevator certificate shown, maintained every 15 days", 5, False),
            ("二次供水水箱定期清洗，水质检测报告齐全", "Water tank cleaned, water quality report on file", 5, False),
            ("水泵、供配电、照明、排水设施运行正常", "Pumps, power, lighting and drains working", 5, False),
        ],
    ),
    (
        "消防安全",
        "Fire safety",
        12,
        "fire_safety",
        [
            ("灭火器、消火栓完好有效", "Extinguishers and hydrants in working order", 3, False),
            ("安全出口、消防通道畅通", "Exits and fire lanes clear", 4, True),
            ("消防巡查记录完整", "Fire patrol records kept", 3, False),
            ("定期组织消防演练", "Fire drills held", 2, False),
        ],
    ),
    (
        "秩序维护",
        "Order & security",
        12,
        "security",
        [
            ("出入口管控到位", "Gate control in place", 3, False),
            ("按规定巡逻并记录", "Patrols done and recorded", 3, False),
            ("监控设施运行正常", "CCTV working", 3, False),
            ("突发事件应急预案完备", "Emergency plans in place", 3, False),
        ],
    ),
    (
        "车辆停放及交通",
        "Parking & traffic",
        8,
        "parking",
        [
            ("车辆停放有序", "Orderly parking", 3, False),
            ("交通标识清晰", "Signage clear", 3, False),
            ("电动车集中充电设施规范", "E-bike charging points in order", 2, False),
        ],
    ),
    (
        "环境卫生",
        "Cleaning",
        13,
        "cleaning",
        [
            ("公共区域每日清扫", "Common areas swept daily", 4, False),
            ("垃圾桶清洁，垃圾日产日清", "Bins clean, waste removed daily", 3, False),
            ("垃圾分类落实", "Waste sorted", 3, False),
            ("定期消杀", "Pest control done", 3, False),
        ],
    ),
    (
        "绿化养护",
        "Landscaping",
        5,
        "landscaping",
        [
            ("绿植修剪及时", "Plants pruned", 2, False),
            ("绿地无杂草", "Beds weeded", 2, False),
            ("无侵占、毁坏绿地", "No encroachment on green space", 1, False),
        ],
    ),
    (
        "信息公开与财务",
        "Disclosure & finance",
        5,
        "disclosure",
        [
            ("每季度公示共有部分经营收益", "Quarterly common-income notice posted", 2, False),
            ("专项维修资金账目清楚", "Maintenance fund accounts in order", 2, False),
            ("每年公示物业服务收支情况", "Yearly income and expenditure published", 1, False),
        ],
    ),
]

NAME = "物业服务百分制检查表"
NAME_EN = "Property service 100-point checklist"


def seed(apps: Any, schema_editor: Any = None) -> None:
    """Create the default template once (found by its name, never duplicated)."""
    Template = apps.get_model("inspections", "ChecklistTemplate")
    Section = apps.get_model("inspections", "ChecklistSection")
    Item = apps.get_model("inspections", "ChecklistItem")
    ServiceArea = apps.get_model("committee_site", "ServiceArea")
    if Template.objects.filter(compound__isnull=True, name=NAME).exists():
        return
    areas = {area.code: area for area in ServiceArea.objects.all()}
    template = Template.objects.create(name=NAME, name_en=NAME_EN)
    for section_order, (name, name_en, points, area_code, items) in enumerate(SECTIONS, start=1):
        section = Section.objects.create(
            template=template, name=name, name_en=name_en, points=points, order=section_order * 10
        )
        Item.objects.bulk_create(
            Item(
                section=section,
                text=text,
                text_en=text_en,
                points=item_points,
                critical=critical,
                service_area=areas.get(area_code),
                order=item_order * 10,
            )
            for item_order, (text, text_en, item_points, critical) in enumerate(items, start=1)
        )

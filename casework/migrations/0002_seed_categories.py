"""Two-level categories every office starts with; editable in admin afterwards."""

from django.db import migrations

CATEGORIES = {
    ("environment", "环境卫生"): [
        ("env-garbage", "垃圾清运不及时"),
        ("env-dirty-corner", "卫生死角"),
        ("env-sorting", "垃圾分类"),
        ("env-pests", "蚊蝇鼠害"),
    ],
    ("municipal", "市政设施"): [
        ("mun-road", "道路破损"),
        ("mun-lighting", "路灯不亮"),
        ("mun-drainage", "下水道堵塞"),
        ("mun-manhole", "井盖缺失"),
    ],
    ("traffic", "停车交通"): [
        ("traffic-parking", "停车难"),
        ("traffic-illegal-parking", "违规停车"),
        ("traffic-ebike", "电动车乱停放"),
    ],
    ("noise", "噪音扰民"): [
        ("noise-construction", "施工噪音"),
        ("noise-business", "商铺噪音"),
        ("noise-neighbour", "邻居噪音"),
    ],
    ("property", "物业服务"): [
        ("prop-elevator", "电梯故障"),
        ("prop-greening", "绿化养护"),
        ("prop-fees", "物业收费"),
        ("prop-security", "小区安保"),
    ],
    ("dispute", "邻里纠纷"): [
        ("dispute-leak", "楼上漏水"),
        ("dispute-pets", "宠物扰民"),
        ("dispute-space", "公共空间占用"),
    ],
    ("safety", "安全隐患"): [
        ("safety-fire-exit", "消防通道堵塞"),
        ("safety-ebike-charging", "电动车违规充电"),
        ("safety-gas", "燃气隐患"),
        ("safety-falling", "高空坠物"),
    ],
    ("illegal-building", "违章搭建"): [
        ("build-rooftop", "楼顶违建"),
        ("build-yard", "私搭乱建"),
    ],
    ("other", "其他"): [],
}


def seed(apps, schema_editor):
    Category = apps.get_model("casework", "Category")
    for (code, name), children in CATEGORIES.items():
        parent, _ = Category.objects.get_or_create(code=code, defaults={"name": name})
        for child_code, child_name in children:
            Category.objects.get_or_create(
                code=child_code, defaults={"name": child_name, "parent": parent}
            )


class Migration(migrations.Migration):
    dependencies = [("casework", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""The residents' doors (docs/api.md#open311): Open311 API keys, service attributes and keywords,
the public intake beside a case, grid circles for locating reports, and the rate-limit
counters' table (casework.ratelimit)."""

import casework.models.open311
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


# Search words for the seeded categories (migration 0002); editable in the admin.
KEYWORDS = {
    "env-garbage": "垃圾,清运,垃圾桶,满溢,异味",
    "env-dirty-corner": "卫生死角,脏乱,积存垃圾",
    "env-sorting": "垃圾分类,投放点,分类",
    "env-pests": "蚊子,苍蝇,老鼠,蟑螂,消杀",
    "mun-road": "道路,坑洼,积水,路面破损",
    "mun-lighting": "路灯,不亮,照明",
    "mun-drainage": "下水道,堵塞,返味,污水",
    "mun-manhole": "井盖,缺失,破损",
    "traffic-parking": "停车难,车位",
    "traffic-illegal-parking": "乱停车,占道,违停",
    "traffic-ebike": "电动车,乱停放,共享单车",
    "noise-construction": "施工,噪音,夜间施工",
    "noise-business": "商铺,音响,噪音",
    "noise-neighbour": "邻居,噪音,装修",
    "prop-elevator": "电梯,故障,停运,困人",
    "prop-greening": "绿化,树木,草坪,修剪",
    "prop-fees": "物业费,收费,公示",
    "prop-security": "门禁,保安,安保",
    "dispute-leak": "漏水,渗水,楼上",
    "dispute-pets": "宠物,狗,吠叫,粪便",
    "dispute-space": "公共空间,占用,楼道堆物",
    "safety-fire-exit": "消防通道,堵塞,占用",
    "safety-ebike-charging": "电动车,充电,飞线,楼道",
    "safety-gas": "燃气,煤气,泄漏,气味",
    "safety-falling": "高空坠物,抛物",
    "build-rooftop": "楼顶,违建,阳光房",
    "build-yard": "私搭乱建,违章,搭建",
    "other": "其他",
}
YES_NO = [{"key": "yes", "name": "是"}, {"key": "no", "name": "否"}]
# The extra questions a few categories ask (Open311 service attributes):
# category, code, question, datatype, required, order, hint, values.
ATTRIBUTES = [
    ("prop-elevator", "building", "哪栋楼的电梯？", "string", True, 1, "例如：9号楼2单元", []),
    ("prop-elevator", "people_trapped", "现在有人被困吗？", "singlevaluelist", True, 2, "", YES_NO),
    ("safety-gas", "smell_now", "现在还能闻到燃气味吗？", "singlevaluelist", True, 1, "如能闻到，请先拨打燃气抢修电话", YES_NO),
    (
        "noise-construction", "time_of_day", "噪音在什么时间？", "multivaluelist", True, 1, "",
        [{"key": "day", "name": "白天（6-22点）"}, {"key": "night", "name": "夜间（22-6点）"}],
    ),
    ("noise-construction", "started_at", "从什么时候开始？", "datetime", False, 2, "例如：2026-05-01T22:30:00+08:00", []),
    ("traffic-illegal-parking", "plate", "车牌号", "string", False, 1, "例如：京A12345", []),
    ("dispute-leak", "floor", "漏水的是几楼？", "number", False, 1, "", []),
]


def seed(apps, schema_editor):
    """Keywords and service attributes for the seeded categories; safe to run twice."""
    Category = apps.get_model("casework", "Category")
    ServiceAttribute = apps.get_model("casework", "ServiceAttribute")
    for code, keywords in KEYWORDS.items():
        Category.objects.filter(code=code, keywords="").update(keywords=keywords)
    for code, attribute, question, datatype, required, order, hint, values in ATTRIBUTES:
        category = Category.objects.filter(code=code).first()
        if category is None:
            continue
        ServiceAttribute.objects.get_or_create(
            category=category,
            code=attribute,
            defaults={
                "description": question,
                "datatype": datatype,
                "required": required,
                "order": order,
                "datatype_description": hint,
                "values": values,
            },
        )


RATELIMIT_TABLE = "casework_ratelimit_cache"


def cache_table_create(apps, schema_editor):
    """The rate-limit counters' table, made the way `createcachetable` makes one, so every
    deployment (and test database) has it without an extra setup step."""
    from django.core.management.commands.createcachetable import Command

    command = Command()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, RATELIMIT_TABLE, dry_run=False)


def cache_table_drop(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(RATELIMIT_TABLE)}")


class Migration(migrations.Migration):

    dependencies = [
        ('casework', '0008_merge_consultation_evaluation'),
    ]

    operations = [
        migrations.CreateModel(
            name='ApiKey',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('name', models.CharField(max_length=100, verbose_name='name')),
                ('prefix', models.CharField(editable=False, max_length=16, unique=True, verbose_name='prefix')),
                ('key_hash', models.CharField(editable=False, max_length=64, unique=True, verbose_name='key hash')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name='created at')),
                ('revoked_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='revoked at')),
                ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last used at')),
            ],
            options={
                'verbose_name': 'Open311 API key',
                'verbose_name_plural': 'Open311 API keys',
                'ordering': ['-created_at'],
            },
        ),
        migrations.AddField(
            model_name='category',
            name='keywords',
            field=models.CharField(blank=True, max_length=255, verbose_name='keywords'),
        ),
        migrations.AddField(
            model_name='grid',
            name='centre_lat',
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='centre latitude'),
        ),
        migrations.AddField(
            model_name='grid',
            name='centre_long',
            field=models.DecimalField(blank=True, decimal_places=6, max_digits=9, null=True, verbose_name='centre longitude'),
        ),
        migrations.AddField(
            model_name='grid',
            name='radius_m',
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name='radius (metres)'),
        ),
        migrations.CreateModel(
            name='PublicIntake',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('follow_token_hash', models.CharField(max_length=64, unique=True, verbose_name='follow token hash')),
                ('attributes', models.JSONField(blank=True, default=list, verbose_name='answers')),
                ('media_url', models.URLField(blank=True, max_length=500, verbose_name='media URL')),
                ('photo', models.FileField(blank=True, upload_to=casework.models.open311._photo_path, verbose_name='photo')),
                ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail')),
                ('device_id', models.CharField(blank=True, max_length=100, verbose_name='device id')),
                ('account_id', models.CharField(blank=True, max_length=100, verbose_name='account id')),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created at')),
                ('api_key', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='requests', to='casework.apikey', verbose_name='Open311 API key')),
                ('case', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='public_intake', to='casework.case', verbose_name='case')),
            ],
            options={
                'verbose_name': 'public intake',
                'verbose_name_plural': 'public intakes',
            },
        ),
        migrations.CreateModel(
            name='ServiceAttribute',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('code', models.SlugField(max_length=40, verbose_name='code')),
                ('description', models.CharField(max_length=255, verbose_name='question')),
                ('datatype', models.CharField(choices=[('string', 'short text'), ('number', 'number'), ('datetime', 'date and time'), ('text', 'long text'), ('singlevaluelist', 'one of a list'), ('multivaluelist', 'several of a list')], max_length=20, verbose_name='answer type')),
                ('datatype_description', models.CharField(blank=True, max_length=255, verbose_name='answer hint')),
                ('required', models.BooleanField(default=False, verbose_name='required')),
                ('order', models.PositiveSmallIntegerField(default=1, verbose_name='order')),
                ('values', models.JSONField(blank=True, default=list, verbose_name='choices')),
                ('category', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='service_attributes', to='casework.category', verbose_name='category')),
            ],
            options={
                'verbose_name': 'service attribute',
                'verbose_name_plural': 'service attributes',
                'ordering': ['category', 'order', 'code'],
                'constraints': [models.UniqueConstraint(fields=('category', 'code'), name='service_attribute_code')],
            },
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
        migrations.RunPython(cache_table_create, cache_table_drop),
    ]

"""Demo data for `seed_demo` (docs/architecture.md#demo-data). Safe to run twice."""

import itertools
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from workflows.case_states import Channel, Difficulty, Outcome, Satisfaction, Urgency

from .actors import actor_for_user
from .demo_history import history_build
from .models import Case, Category, Community, Grid, Membership, Party, Role, Street, Unit
from .services.ballots import ballot_cast
from .services.cases import case_collect, case_transition

STREET = ("xinhua", "新华街道")
COMMUNITIES = [("C1", "和平社区"), ("C2", "幸福社区")]
GRIDS = [
    ("C1", "C1-G1", "和平社区第一网格"),
    ("C1", "C1-G2", "和平社区第二网格"),
    ("C1", "C1-G3", "和平社区第三网格"),
    ("C2", "C2-G1", "幸福社区第一网格"),
    ("C2", "C2-G2", "幸福社区第二网格"),
]
# code, name, kind, communities served
UNITS = [
    ("property-1", "和平物业服务有限公司", Unit.Kind.PROPERTY, ["C1"]),
    ("property-2", "幸福家园物业公司", Unit.Kind.PROPERTY, ["C2"]),
    ("dept-urban", "街道城管执法队", Unit.Kind.DEPARTMENT, ["C1", "C2"]),
    ("dept-housing", "区住建委房屋管理科", Unit.Kind.DEPARTMENT, ["C1", "C2"]),
    ("local-school", "新华路小学", Unit.Kind.LOCAL_UNIT, ["C1"]),
    ("local-power", "供电所新华营业站", Unit.Kind.LOCAL_UNIT, ["C1", "C2"]),
    ("owners-1", "和平小区业主委员会", Unit.Kind.OWNERS_COMMITTEE, ["C1"]),
    ("owners-2", "幸福小区业主委员会", Unit.Kind.OWNERS_COMMITTEE, ["C2"]),
    ("party-c1", "和平社区党委", Unit.Kind.PARTY_COMMITTEE, ["C1"]),
    ("rc-c1", "和平社区居委会", Unit.Kind.RESIDENTS_COMMITTEE, ["C1"]),
]
PARTY_USERS = [party.value for party in Party]
# 姓, 名 of each demo account (pages show 姓名, casework.people).
NAMES = {
    "gridworker": ("王", "丽"),
    "dispatcher": ("张", "强"),
    "unitmember": ("刘", "伟"),
    "supervisor": ("陈", "静"),
    "outsider": ("孙", "浩"),
    "admin": ("周", "敏"),
    "party_committee": ("赵", "建国"),
    "residents_committee": ("钱", "秀英"),
    "department": ("吴", "磊"),
    "local_unit": ("郑", "海燕"),
    "property": ("冯", "军"),
    "owners_committee": ("何", "桂芳"),
}

# title, description, category code, address
CONCERNS = [
    ("3号楼垃圾桶满溢", "3号楼东侧垃圾桶两天没有清运，气味很大。", "env-garbage", "3号楼东侧"),
    ("小区北门路灯不亮", "北门到5号楼之间三盏路灯一周不亮，老人晚上出门不安全。", "mun-lighting", "北门"),
    ("消防通道被私家车占用", "7号楼消防通道长期停放两辆私家车。", "safety-fire-exit", "7号楼南侧"),
    ("楼道电动车充电", "2单元有住户把电动车推进楼道充电，飞线到一楼。", "safety-ebike-charging", "2号楼2单元"),
    ("夜间施工噪音", "对面工地晚上十一点以后还在施工。", "noise-construction", "和平路与新华路口"),
    ("电梯经常停运", "9号楼电梯本月已停运三次，有老人被困。", "prop-elevator", "9号楼"),
    ("楼上漏水到我家厨房", "602漏水，502厨房顶棚渗水，协商未果。", "dispute-leak", "4号楼502"),
    ("井盖缺失", "幼儿园门口人行道井盖缺失，已用锥桶临时围挡。", "mun-manhole", "幼儿园门口"),
    ("楼顶违建阳光房", "12号楼顶层住户在楼顶搭建阳光房。", "build-rooftop", "12号楼顶"),
    ("绿地被占用种菜", "小区中心绿地被部分居民开垦种菜。", "dispute-space", "中心绿地"),
    ("下水道返味", "1号楼地下室下水道堵塞返味。", "mun-drainage", "1号楼地下室"),
    ("小区门口乱停车", "早晚高峰门口车辆乱停，救护车进不来。", "traffic-illegal-parking", "南门"),
    ("宠物狗夜间吠叫", "8号楼有住户养的狗整夜吠叫。", "dispute-pets", "8号楼"),
    ("物业费上涨未公示", "物业费上调没有召开业主大会也没有公示。", "prop-fees", "物业服务中心"),
    ("道路坑洼积水", "和平里小区内主路多处坑洼，下雨积水。", "mun-road", "小区主路"),
    ("垃圾分类投放点脏乱", "西门垃圾分类投放点周边脏乱，无人值守。", "env-sorting", "西门投放点"),
    ("商铺音响扰民", "底商超市门口音响声音过大。", "noise-business", "底商超市"),
    ("高空抛物", "10号楼有人从高层往下扔杂物。", "safety-falling", "10号楼"),
]


def demo_seed(
    *,
    password: str,
    cases: bool = True,
    months: int = 0,
    seed: int = 1,
    progress: Callable[[int, int], None] | None = None,
):
    """The street, its users and, on an empty database, cases: a sample at every step, or
    with `months` that many months of played history (casework.demo_history)."""
    with transaction.atomic():
        users = _organisation_and_users(password)
    if not cases or Case.objects.exists():
        return
    if months:
        history_build(months=months, seed=seed, progress=progress)
        # Today's vote, half cast, for the party representatives' first screen.
        actors = {name: actor_for_user(user) for name, user in users.items()}
        _consultation(actors, Grid.objects.get(code="C1-G1"))
    else:
        _cases(users, progress=progress)


def _organisation_and_users(password: str) -> dict:
    street, _ = Street.objects.update_or_create(code=STREET[0], defaults={"name": STREET[1]})
    communities = {
        code: Community.objects.update_or_create(code=code, defaults={"name": name, "street": street})[0]
        for code, name in COMMUNITIES
    }
    grids = {
        code: Grid.objects.update_or_create(
            code=code, defaults={"name": name, "community": communities[community]}
        )[0]
        for community, code, name in GRIDS
    }
    units = {}
    for code, name, kind, served in UNITS:
        unit, _ = Unit.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind, "street": street}
        )
        unit.communities.set([communities[c] for c in served])
        units[code] = unit

    c1 = communities["C1"]
    roles = {
        "gridworker": [dict(role=Role.GRID_WORKER, grid=grids["C1-G1"])],
        "dispatcher": [dict(role=Role.DISPATCHER, community=c1)],
        "unitmember": [dict(role=Role.UNIT_MEMBER, unit=units["property-1"])],
        "supervisor": [dict(role=Role.SUPERVISOR, street=street)],
        "outsider": [dict(role=Role.GRID_WORKER, grid=grids["C2-G1"])],
        **{
            party: [dict(role=Role.PARTY_REPRESENTATIVE, community=c1, party=party)]
            for party in PARTY_USERS
        },
    }
    User = get_user_model()
    users = {}
    # One hash for all: they share the password anyway, and hashing is slow on purpose.
    hashed = make_password(password)
    for username, memberships in roles.items():
        user, _ = User.objects.get_or_create(username=username)
        user.password = hashed
        user.last_name, user.first_name = NAMES[username]
        user.save(update_fields=["password", "last_name", "first_name"])
        for membership in memberships:
            Membership.objects.get_or_create(user=user, **membership)
        users[username] = user
    admin, _ = User.objects.get_or_create(username="admin", defaults={"is_staff": True})
    admin.is_staff = admin.is_superuser = True
    admin.last_name, admin.first_name = NAMES["admin"]
    admin.password = hashed
    admin.save()
    users["admin"] = admin
    return users


# How far each demo case goes: the transitions after `collect`, as (user, name, payload).
def _paths(category: Category, unit: Unit, urgency: str):
    classify = (
        "dispatcher",
        "classify",
        {"category": category.pk, "urgency": urgency, "difficulty": Difficulty.SMALL, "unit": unit.pk},
    )
    accept = ("unitmember", "accept", {})
    resolve = ("unitmember", "resolve", {"result": "已现场处理并回访居民。", "outcome": Outcome.FIXED})
    # The grid worker's callback (回访) for a resident who did not rate through the link.
    rate = (
        "gridworker",
        "rate",
        {"satisfaction": Satisfaction.SATISFIED, "comment": "处理及时", "channel": "visit"},
    )
    return [
        [],
        [classify],
        [classify, accept],
        [classify, accept, resolve],
        [classify, accept, resolve, rate],
        [classify, accept, resolve, rate, ("dispatcher", "close", {})],
        [("gridworker", "resolve_on_spot", {"result": "网格员现场协调解决。"})],
        [classify, ("unitmember", "return", {"reason": "不属于物业职责，建议转城管。"})],
        [("dispatcher", "reject", {"reason": "重复反映", "duplicate_of": ""})],
    ]


def _cases(users: dict, progress=None) -> None:
    actors = {name: actor_for_user(user) for name, user in users.items()}
    grid = Grid.objects.get(code="C1-G1")
    unit = Unit.objects.get(code="property-1")
    channels = itertools.cycle([Channel.HALL, Channel.POINT, Channel.DOOR_VISIT, Channel.SNAPSHOT])
    created = 0
    for round_ in range(2):
        for index, (title, description, category_code, address) in enumerate(CONCERNS):
            category = Category.objects.get(code=category_code)
            urgency = Urgency.URGENT if category_code.startswith("safety") else Urgency.NORMAL
            case = case_collect(
                actor=actors["gridworker"],
                data={
                    "title": title,
                    "description": description,
                    "grid": grid.pk,
                    "channel": next(channels),
                    "address": address,
                    "reporter_name": "王女士" if index % 2 else "李先生",
                    "reporter_phone": f"1381234{5600 + index + round_ * 20:04d}",
                },
            )
            paths = _paths(category, unit, urgency)
            for username, name, payload in paths[(index + round_ * 4) % len(paths)]:
                case = case_transition(
                    actor=actors[username],
                    case_id=case.pk,
                    name=name,
                    payload=payload,
                    version=case.version,
                )
            created += 1
            if progress:
                progress(created, 2 * len(CONCERNS))
    _consultation(actors, grid)


def _consultation(actors: dict, grid: Grid) -> None:
    """A hard case in a six-party vote that two parties have already voted in."""
    unit, urban = Unit.objects.get(code="property-1"), Unit.objects.get(code="dept-urban")
    case = case_collect(
        actor=actors["gridworker"],
        data={
            "title": "中心绿地被占用种菜",
            "description": "部分居民在中心绿地开垦种菜，物业多次劝阻无效，邻里矛盾加剧。",
            "grid": grid.pk,
            "channel": Channel.HALL,
            "address": "中心绿地",
        },
    )
    steps = [
        (
            "dispatcher",
            "classify",
            {
                "category": Category.objects.get(code="dispute-space").pk,
                "urgency": Urgency.NORMAL,
                "difficulty": Difficulty.HARD,
                "unit": unit.pk,
            },
        ),
        (
            "dispatcher",
            "escalate",
            {
                "mode": "online",
                "options": [
                    "物业限期恢复绿地并设置围挡",
                    {"text": "城管依法清理，社区做好解释", "unit": urban.pk},
                ],
            },
        ),
    ]
    for username, name, payload in steps:
        case = case_transition(
            actor=actors[username], case_id=case.pk, name=name, payload=payload, version=case.version
        )
    consultation = case.consultations.get()
    first, second = consultation.options.order_by("position")
    for party, option in [("party_committee", second), ("residents_committee", first)]:
        ballot_cast(actor=actors[party], consultation_id=consultation.pk, data={"option": str(option.pk)})

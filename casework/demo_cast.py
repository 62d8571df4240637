"""Who and what the demo's history is made of (casework.demo_history): the street's other
staff, the concerns residents raise, who handles them and how each case tends to go."""

from dataclasses import dataclass, field

from .models import Role

# username, (姓, 名), role, scope kind, scope code. The named demo users play the first grid,
# community and unit; these play the rest.
STAFF = [
    ("grid_c1g2", ("黄", "娟"), Role.GRID_WORKER, "grid", "C1-G2"),
    ("grid_c1g3", ("林", "涛"), Role.GRID_WORKER, "grid", "C1-G3"),
    ("grid_c2g2", ("徐", "芳"), Role.GRID_WORKER, "grid", "C2-G2"),
    ("dispatcher_c2", ("马", "超"), Role.DISPATCHER, "community", "C2"),
    ("unit_property2", ("朱", "红"), Role.UNIT_MEMBER, "unit", "property-2"),
    ("unit_urban", ("胡", "斌"), Role.UNIT_MEMBER, "unit", "dept-urban"),
    ("unit_housing", ("郭", "明"), Role.UNIT_MEMBER, "unit", "dept-housing"),
    ("unit_power", ("高", "峰"), Role.UNIT_MEMBER, "unit", "local-power"),
]
ROLE_USERS = {
    ("grid", "C1-G1"): "gridworker",
    ("grid", "C2-G1"): "outsider",
    ("dispatcher", "C1"): "dispatcher",
    ("unit", "property-1"): "unitmember",
    **{
        ({"grid": "grid", "community": "dispatcher", "unit": "unit"}[kind], code): username
        for username, _name, _role, kind, code in STAFF
    },
}
PARTIES = [
    "party_committee", "residents_committee", "department", "local_unit", "property",
    "owners_committee",
]  # fmt: skip

# The handling unit for a category family, by community ("*": every community).
HANDLERS = {
    "env": {"C1": "property-1", "C2": "property-2"},
    "prop": {"C1": "property-1", "C2": "property-2"},
    "dispute": {"C1": "property-1", "C2": "property-2"},
    "mun": {"*": "dept-urban"},
    "lighting": {"*": "local-power"},
    "noise": {"*": "dept-urban"},
    "traffic": {"*": "dept-urban"},
    "safety": {"*": "dept-urban"},
    "build": {"*": "dept-housing"},
}
# Where a hurried dispatcher first sends a case that the unit then returns.
WRONG_UNIT = {"C1": "property-1", "C2": "property-2"}
# How often each unit runs late, whatever the plan: the rankings come out of this.
SLOWNESS = {
    "property-1": 0.02, "property-2": 0.07, "dept-urban": 0.04, "dept-housing": 0.14,
    "local-power": 0.01,
}  # fmt: skip
# How cases go, by weight.
FATES = {
    "on_time": 52, "late": 4, "on_spot": 12, "unrated": 9, "returned": 5, "rejected": 5,
    "reopened": 5, "suspended": 3, "consulted": 4, "extended": 3, "summoned": 4,
}  # fmt: skip
REPORTERS = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡"]


@dataclass(frozen=True)
class Concern:
    """`{b}` is a building number, drawn per case."""

    title: str
    description: str
    category: str
    address: str
    result: str = "已现场处理，并回访居民确认。"
    on_spot: str = "网格员到场协调，当场解决。"
    reject: tuple = field(default=("重复反映，已并入前案办理。", "不属于社区受理范围，已告知居民拨打12345。"))

    @property
    def family(self) -> str:
        return "lighting" if self.category == "mun-lighting" else self.category.split("-")[0]

    @property
    def consultable(self) -> bool:
        return self.family in {"dispute", "build", "prop"}


CONCERNS = [
    Concern("{b}号楼垃圾桶满溢", "{b}号楼东侧垃圾桶两天没有清运，气味很大。", "env-garbage", "{b}号楼东侧",
            "已安排加密清运，每天早晚各一次。"),
    Concern("{b}号楼附近路灯不亮", "{b}号楼前三盏路灯一周不亮，老人晚上出门不安全。", "mun-lighting", "{b}号楼前",
            "已更换灯泡和镇流器，晚上复查正常。"),
    Concern("消防通道被私家车占用", "{b}号楼消防通道长期停放私家车。", "safety-fire-exit", "{b}号楼南侧",
            "已联系车主挪车，并施划禁停标线。"),
    Concern("楼道电动车充电", "{b}号楼有住户把电动车推进楼道充电，飞线到一楼。", "safety-ebike-charging",
            "{b}号楼", "已劝离并拆除飞线，引导到集中充电桩。"),
    Concern("夜间施工噪音", "{b}号楼对面工地晚上十一点以后还在施工。", "noise-construction", "{b}号楼对面工地",
            "已责令工地夜间停工，并张贴施工时间公示。"),
    Concern("{b}号楼电梯经常停运", "{b}号楼电梯本月已停运多次，有老人被困。", "prop-elevator", "{b}号楼",
            "已更换控制板并完成年检。"),
    Concern("楼上漏水到我家", "{b}号楼上下邻居漏水纠纷，协商未果。", "dispute-leak", "{b}号楼",
            "已组织双方协商，楼上住户维修防水层。"),
    Concern("井盖缺失", "{b}号楼前人行道井盖缺失，已用锥桶临时围挡。", "mun-manhole", "{b}号楼前",
            "已补装防坠井盖。"),
    Concern("楼顶违建阳光房", "{b}号楼顶层住户在楼顶搭建阳光房。", "build-rooftop", "{b}号楼顶",
            "已下达整改通知，住户自行拆除。"),
    Concern("公共绿地被占用种菜", "{b}号楼旁公共绿地被部分居民开垦种菜。", "dispute-space", "{b}号楼旁绿地",
            "已恢复绿地，补种草皮。"),
    Concern("下水道返味", "{b}号楼地下室下水道堵塞返味。", "mun-drainage", "{b}号楼地下室",
            "已疏通管道并清掏化粪池。"),
    Concern("小区门口乱停车", "早晚高峰门口车辆乱停，救护车进不来。", "traffic-illegal-parking", "小区南门",
            "已增设隔离桩，高峰期安排人员疏导。"),
    Concern("宠物狗夜间吠叫", "{b}号楼有住户养的狗整夜吠叫。", "dispute-pets", "{b}号楼",
            "已上门沟通，养犬人承诺夜间看管。"),
    Concern("物业费上涨未公示", "物业费上调没有召开业主大会也没有公示。", "prop-fees", "物业服务中心",
            "物业已暂停上调，待业主大会表决。"),
    Concern("道路坑洼积水", "{b}号楼前主路多处坑洼，下雨积水。", "mun-road", "{b}号楼前",
            "已修补路面。"),
    Concern("垃圾分类投放点脏乱", "{b}号楼旁垃圾分类投放点周边脏乱，无人值守。", "env-sorting", "{b}号楼旁投放点",
            "已安排专人值守，定时清洗。"),
    Concern("商铺音响扰民", "底商门口音响声音过大。", "noise-business", "{b}号楼底商",
            "已约谈商户，音响移入室内。"),
    Concern("高空抛物", "{b}号楼有人从高层往下扔杂物。", "safety-falling", "{b}号楼",
            "已加装监控并逐户宣传。"),
    Concern("单元门禁损坏", "{b}号楼单元门禁损坏，外来人员随意进出。", "prop-security", "{b}号楼单元门",
            "已更换门禁主板。"),
    Concern("绿化带杂草丛生", "{b}号楼周边绿化带杂草半人高，蚊虫多。", "prop-greening", "{b}号楼周边",
            "已修剪绿化并喷洒消杀。"),
    Concern("楼道堆放杂物", "{b}号楼楼道堆满纸箱旧家具，影响通行。", "safety-fire-exit", "{b}号楼楼道",
            "已通知住户清理，物业清运剩余杂物。"),
    Concern("老鼠蟑螂多", "{b}号楼地下室老鼠蟑螂多。", "env-pests", "{b}号楼地下室",
            "已投放灭鼠药并封堵洞口。"),
]

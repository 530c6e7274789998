"""The district's units: 江津区 departments, 街道 / 镇, schools, hospitals and service centres.

:func:`plan_units` lists them parents first, in the mix a real district has (about 40 %
departments, 20 % 街道/镇, the rest their subordinate 事业 units, schools dominating), and never
runs out of unique names (village schools past the real-sized pool) for the 100 000-unit benchmark.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator

CITY = "重庆市"


def words(s: str) -> list[str]:
    """A pool written as one space-separated string (Chinese lists read better that way)."""
    return s.split()


PREFIX = "重庆市江津区"

# name (after the district prefix unless already full), unit type, kind
_DEPTS = [tuple(line.split()) for line in """
教育委员会 行政 dept
财政局 行政 dept
卫生健康委员会 行政 dept
发展和改革委员会 行政 dept
农业农村委员会 行政 dept
城市管理局 行政 dept
民政局 行政 dept
人力资源和社会保障局 行政 dept
文化和旅游发展委员会 行政 dept
住房和城乡建设委员会 行政 dept
交通运输委员会 行政 dept
规划和自然资源局 行政 dept
市场监督管理局 行政 dept
水利局 行政 dept
生态环境局 行政 dept
应急管理局 行政 dept
审计局 行政 dept
统计局 行政 dept
司法局 行政 dept
商务委员会 行政 dept
经济和信息化委员会 行政 dept
科学技术局 行政 dept
退役军人事务局 行政 dept
医疗保障局 行政 dept
林业局 行政 dept
人民政府办公室 行政 dept
人大常委会办公室 行政 dept
政协办公室 行政 dept
中共重庆市江津区委办公室 行政 dept
中共重庆市江津区委组织部 行政 dept
中共重庆市江津区委宣传部 行政 dept
中共重庆市江津区纪律检查委员会 行政 dept
信访办公室 行政 dept
机关事务管理局 参公 dept
供销合作社联合社 参公 dept
档案馆 参公 dept
总工会 参公 dept
妇女联合会 参公 dept
科学技术协会 参公 dept
残疾人联合会 参公 dept
共青团重庆市江津区委员会 参公 dept
融媒体中心 事业 center
公共资源综合交易中心 事业 center
投资促进中心 事业 center
""".strip().splitlines()]

# children of a department: name, unit type, kind
_CHILDREN: dict[str, list[tuple[str, ...]]] = {
    parent: [tuple(item.split(":")) for item in items.split()]
    for parent, items in (line.split(" ", 1) for line in """
卫生健康委员会 人民医院:事业:hospital 中心医院:事业:hospital 中医院:事业:hospital 妇幼保健院:事业:hospital 疾病预防控制中心:事业:center 精神卫生中心:事业:hospital 卫生健康综合行政执法支队:参公:center
财政局 财政事务中心:参公:center
农业农村委员会 农业技术推广中心:事业:center 农业综合行政执法支队:参公:center 动物疫病预防控制中心:事业:center
城市管理局 城市管理综合行政执法支队:参公:center 环境卫生管理所:事业:center 园林绿化服务中心:事业:center
文化和旅游发展委员会 图书馆:事业:center 文化馆:事业:center 博物馆:事业:center 文化市场综合行政执法支队:参公:center
人力资源和社会保障局 就业和人才服务局:参公:center 社会保险事务中心:参公:center 劳动人事争议仲裁院:事业:center
规划和自然资源局 不动产登记中心:事业:center 土地整治中心:事业:center
民政局 社会福利院:事业:center 殡葬事务中心:事业:center
住房和城乡建设委员会 建设工程质量监督站:事业:center 房屋交易中心:事业:center
交通运输委员会 交通运输综合行政执法支队:参公:center 公路事务中心:事业:center
市场监督管理局 检验检测中心:事业:center
水利局 水利工程管理中心:事业:center
""".strip().splitlines())
}
_TOWNS = words("几江街道 德感街道 双福街道 鼎山街道 圣泉街道 支坪街道 白沙镇 石门镇 吴滩镇 朱杨镇 石蟆镇 永兴镇 塘河镇 "
               "西湖镇 加江镇 柏林镇 蔡家镇 嘉平镇 李市镇 慈云镇 龙华镇 油溪镇 先锋镇 贾嗣镇 杜市镇 广兴镇 珞璜镇 中山镇 "
               "四面山镇 夏坝镇")
_V1 = "黄石龙凤清白青杨柳桂松云金新和太高双长永红宝大东西南北马鹤鹿梨桃竹梅兰古星光明福"
_V2 = "桷林溪坪湾坝山桥岗河塘田口沟岩坡垭场园湖堰台冲坎槽庄井寨洞滩峰岭屏门坊街营铺店"

Entry = tuple[str, str, str]  # name, unit type, kind


def _full(name: str) -> str:
    return name if name.startswith(("中共", "共青团", CITY)) else PREFIX + name


def _schools() -> Iterator[Entry]:
    for s in ("重庆市江津中学校", "重庆市江津第二中学校", "重庆市江津第五中学校", "重庆市江津实验中学校"):
        yield s, "事业", "school"
    for s in ("职业教育中心", "几江实验小学校", "实验幼儿园"):
        yield PREFIX + s, "事业", "school"
    yield PREFIX + "教师进修学院", "事业", "center"
    for what in ("中心小学校", "中学校", "中心幼儿园"):
        for town in _TOWNS:
            yield PREFIX + town + what, "事业", "school"
    # Past a real district's pool the benchmark still needs unique names: village schools.
    k = 0
    while True:
        town, v = _TOWNS[k % len(_TOWNS)], k // len(_TOWNS)
        vi = v // 2
        name = PREFIX + town + _V1[vi % len(_V1)] + _V2[(vi // len(_V1)) % len(_V2)]
        name += "村小学校" if v % 2 == 0 else "村幼儿园"
        rep = vi // (len(_V1) * len(_V2))
        yield name + (f"第{rep + 1}分校" if rep else ""), "事业", "school"
        k += 1


def plan_units(n: int) -> Iterator[tuple[str, int | None, str, str]]:
    """(name, parent index, unit type, kind) for n units; a parent always comes before its children."""
    if n <= 0:
        return
    n_d = min(len(_DEPTS), max(1, (2 * n + 2) // 5))
    n_t = min(len(_TOWNS), n // 5, n - n_d)
    for name, utype, kind in _DEPTS[:n_d]:
        yield _full(name), None, utype, kind
    for town in _TOWNS[:n_t]:
        yield PREFIX + town + ("办事处" if town.endswith("街道") else "人民政府"), None, "行政", "town"
    # (parent index, source, how many per round): schools dominate a real district
    groups: list[tuple[int, Iterator[Entry], int]] = []
    for i, (name, _, _) in enumerate(_DEPTS[:n_d]):
        if name == "教育委员会":
            groups.append((i, _schools(), 4))
        elif name in _CHILDREN:
            kids: list[Entry] = [(PREFIX + c, t, k) for c, t, k in _CHILDREN[name]]
            if name == "卫生健康委员会":
                kids += [(PREFIX + t + "卫生院", "事业", "center") for t in _TOWNS if t.endswith("镇")]
            groups.append((i, iter(kids), 2 if name == "卫生健康委员会" else 1))
    for j, town in enumerate(_TOWNS[:n_t]):
        kids = [(PREFIX + town + c, "事业", "center") for c in ("农业服务中心", "社会保障服务中心")]
        groups.append((n_d + j, iter(kids), 1))
    left = n - n_d - n_t
    while left > 0 and groups:
        alive = []
        for parent, src, weight in groups:
            for _ in range(min(weight, left)):
                item = next(src, None)
                if item is None:
                    break
                yield item[0], parent, item[1], item[2]
                left -= 1
            else:
                alive.append((parent, src, weight))
        groups = alive


_NAME_CUT = re.compile(r"[(（]?本级|\d{4}|关于|[“\"]三公[”\"]|一般公共预算|财政拨款|部门决算|单位决算|决算")
_NAME_END = re.compile(r"(局|委员会|政府|办事处|中心|幼儿园|学校|中学|小学|院|联合会|办公室|部|厅|委|队|所|站|馆|社|会|校)$")


def guess_unit_name(text: str) -> str | None:
    """The unit a real document is about, from its first lines (annotations and headings skipped)."""
    for raw in text.splitlines()[:30]:
        line = raw.strip().strip("|").strip()
        if not line or line.startswith(("#", "(", "（", "[", "—")) or re.search(r"位置|[、:：]", line):
            continue
        name = _NAME_CUT.split(re.sub(r"^\d{4}年度?", "", line), maxsplit=1)[0].strip()
        if 4 <= len(name) <= 40 and _NAME_END.search(name):
            return name
    return None


_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何罗高林郑梁谢宋唐许邓冯韩曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢"
_GIVEN = words("强 敏 静 伟 芳 军 洋 勇 艳 杰 涛 明 超 霞 平 刚 桂英 建华 晓燕 志强 海燕 文静 红梅 建国 小红 俊杰 丽娟 玉兰")


def person(r: random.Random) -> str:
    return r.choice(_SURNAMES) + r.choice(_GIVEN)


def phone(r: random.Random) -> str:
    return f"023-{r.choice(('4752', '4756', '4758', '4755'))}{r.randint(0, 9999):04d}"

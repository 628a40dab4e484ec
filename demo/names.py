"""Invented Chinese names for demo water users (any likeness to a real firm is chance)."""

from __future__ import annotations

import numpy as np

from demo.towns import TownSpec

# Space-separated word lists keep the vocabulary compact and easy to extend.
TRADE = (
    "宏达 金源 华泰 永丰 顺发 鸿运 绿源 天成 恒信 新兴 瑞丰 兴旺 "
    "广源 联盛 嘉禾 富民 明珠 长青 泰和 安达 利民 建业 丰华 荣昌"
).split()
SUFFIX = {
    "industry": (
        "纺织厂 食品厂 水泥制品厂 造纸厂 陶瓷厂 五金厂 饮料厂 "
        "电子有限公司 建材有限公司 酒厂 木业有限公司 矿泉水厂 印染厂"
    ).split(),
    "services": "酒店 宾馆 餐饮店 洗车场 超市 商贸有限公司 物流园 洗浴中心 农贸市场 加油站".split(),
    "agriculture": "种植专业合作社 蔬菜基地 水晶梨果园 家庭农场 养殖场 茶园 柑橘种植场".split(),
}
PUBLIC = "中学 中心小学 卫生院 幼儿园 敬老院 人民政府 派出所 文化站 职业技术学校 供电所".split()
ESTATE = "翠竹 锦绣 阳光 碧水 桂园 江景 龙湖 康乐 怡景 金色 东方 湖畔".split()
ESTATE_SUFFIX = "花园小区 家园 新村 雅苑 小区".split()
ECO = "河道生态补水点 湿地公园 城市绿化管护站 公园 生态景观带".split()


def user_name(sector: str, town: TownSpec, rng: np.random.Generator) -> str:
    """A plausible name for a user of sector in town, e.g. "星子宏达纺织厂"."""
    if sector in SUFFIX:
        return f"{town.short}{rng.choice(TRADE)}{rng.choice(SUFFIX[sector])}"
    if sector == "public_institution":
        return f"{town.name}{rng.choice(PUBLIC)}"
    if sector == "residential":
        return f"{town.short}{rng.choice(ESTATE)}{rng.choice(ESTATE_SUFFIX)}"
    return f"{town.short}{rng.choice(ECO)}"

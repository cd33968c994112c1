"""China's provincial-level units and how a user names one (code or name).

The ground floor of the package: inputs, datasets and the CLI resolve ``data.province``
here.
"""

from __future__ import annotations

from planner.errors import InputError

PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省", "31": "上海市", "32": "江苏省",
    "33": "浙江省", "34": "安徽省", "35": "福建省", "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省", "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省",
    "54": "西藏自治区", "61": "陕西省", "62": "甘肃省", "63": "青海省",
    "64": "宁夏回族自治区", "65": "新疆维吾尔自治区",
}  # fmt: skip
"""The 31 mainland provincial-level units (GB/T 2260 two-digit codes)."""

PROVINCES_EN: dict[str, str] = {
    "11": "Beijing", "12": "Tianjin", "13": "Hebei", "14": "Shanxi", "15": "Inner Mongolia",
    "21": "Liaoning", "22": "Jilin", "23": "Heilongjiang", "31": "Shanghai", "32": "Jiangsu",
    "33": "Zhejiang", "34": "Anhui", "35": "Fujian", "36": "Jiangxi", "37": "Shandong",
    "41": "Henan", "42": "Hubei", "43": "Hunan", "44": "Guangdong", "45": "Guangxi",
    "46": "Hainan", "50": "Chongqing", "51": "Sichuan", "52": "Guizhou", "53": "Yunnan",
    "54": "Tibet", "61": "Shaanxi", "62": "Gansu", "63": "Qinghai", "64": "Ningxia",
    "65": "Xinjiang",
}  # fmt: skip
"""The English (pinyin) names of :data:`PROVINCES`, accepted in any letter case."""

SUFFIXES = ("壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区", "省", "市")


def province_code(value: str) -> str:
    """Two-digit province code from a code (``44``, ``440000``) or a name (``广东``).

    Raises
    ------
    InputError
        If the value names no mainland province.
    """
    text = str(value).strip()
    if text.isdigit() and text[:2] in PROVINCES and (len(text) == 2 or text[2:] == "0000"):
        return text[:2]
    for code, name in PROVINCES.items():
        short = name
        for suffix in SUFFIXES:
            if short.endswith(suffix):
                short = short[: -len(suffix)]
                break
        if text in (name, short) or text.casefold() == PROVINCES_EN[code].casefold():
            return code
    msg = (
        f"'data.province' was {value!r}: expected a province code (e.g. 44 or 440000), "
        "a name (e.g. 广东, 广东省 or Guangdong) or 'all'" + _suggest(text)
    )
    raise InputError(msg)


def _suggest(text: str) -> str:
    """``; did you mean 46 (海南/Hainan)?`` for the closest name, or nothing."""
    import difflib

    names = {PROVINCES_EN[c].casefold(): c for c in PROVINCES}
    names.update({PROVINCES[c]: c for c in PROVINCES})
    close = difflib.get_close_matches(text.casefold(), list(names), n=1, cutoff=0.6)
    if not close:
        return ""
    code = names[close[0]]
    return f"; did you mean {code} ({PROVINCES[code]}/{PROVINCES_EN[code]})?"

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
        if text in (name, short):
            return code
    msg = (
        f"'data.province' was {value!r}: expected a province code (e.g. 44 or 440000), "
        "a name (e.g. 广东 or 广东省) or 'all'"
    )
    raise InputError(msg)

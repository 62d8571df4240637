"""casework.privacy: what masking hides in free text, and what it leaves alone (no database)."""

import re
from types import SimpleNamespace

import pytest

from casework.privacy import case_texts, payload_masked, personal_data_masked
from casework.phone import phone_masked


def masked(text, *names):
    return personal_data_masked(text, names=names)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("13812345678", "138****5678"),
        ("电话13812345678谢谢", "电话138****5678谢谢"),
        ("手机：138 1234 5678。", "手机：138****5678。"),
        ("138-1234-5678", "138****5678"),
        ("138 - 1234 - 5678", "138****5678"),
        ("13812345678/15987654321", "138****5678/159****4321"),
        ("+86 138 1234 5678", "+86 138****5678"),
        ("+8613812345678", "+86138****5678"),
        ("0086-13812345678", "0086-138****5678"),
        ("(+86)13812345678", "(+86)138****5678"),
        ("8613812345678", "86138****5678"),
        # Full-width digits, dashes and spaces, as Chinese input methods type them.
        ("１３８１２３４５６７８", "138****5678"),
        ("１３８－１２３４－５６７８", "138****5678"),
        ("＋８６　１３８１２３４５６７８", "＋８６　138****5678"),
        ("tel13812345678", "tel138****5678"),
        ("19912345678", "199****5678"),
    ],
)
def test_mobiles_keep_the_first_three_and_last_four_digits(text, expected):
    assert masked(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("010-62345678", "010-****5678"),
        ("01062345678", "010****5678"),
        ("(010)62345678", "(010)****5678"),
        ("（010）6234 5678", "（010）****5678"),
        ("021 6234-5678", "021 ****5678"),
        ("0755-2345678", "0755-****678"),
        ("075523456789", "0755****6789"),
        ("０７５５－２３４５６７８", "０７５５－****678"),
        ("+86 10 6234 5678", "+86 10 ****5678"),
        ("+86-755-2345678", "+86-755-****678"),
        ("010-62345678转801", "010-****5678转801"),
        ("座机62345678", "座机****5678"),
        ("联系电话：6234 5678", "联系电话：****5678"),
        ("Tel: 6234-5678", "Tel: ****5678"),
        ("Phone 2345678", "Phone ****678"),
    ],
)
def test_landlines_keep_the_area_code_and_hide_four_digits(text, expected):
    assert masked(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "110101199003071234",
        "11010119900307123X",
        "11010119900307123x",
        "１１０１０１１９９００３０７１２３Ｘ",
        "110101 1990 0307 123X",
        "110101 19900307 1234",
        "130102199003071234",  # 13…: a Hebei ID, not a mobile with digits after it
        "110101900307123",  # the old 15-digit ID
        "6222021234567890123",  # a bank card
    ],
)
def test_id_numbers_keep_no_digit(text):
    result = masked(f"身份证{text}。")
    assert result.startswith("身份证") and result.endswith("。")
    hidden = result[len("身份证") : -1]
    assert set(hidden) == {"*"}, result
    assert len(hidden) == sum(char.isalnum() for char in text)


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-03",
        "2026年12月3日 10:00-12:00",
        "20261203",
        "案件 SS-202612-000001 重复",
        "SS-202612-000001、SS-202612-130001",
        "3号楼502",
        "和平里3号楼2单元502室",
        "费用13800元，共1,380,000元",
        "金额1380000.00元",
        "2026-12-03T10:00:00+08:00",
        "12345",
        "第1398期",
        "00000000",
        "1234567890123",  # 13 digits: no shape of ours
        "12345678901234567890",  # 20 digits
        "",
    ],
)
def test_numbers_that_are_not_personal_stay(text):
    assert masked(text) == text


def test_a_masked_mobile_never_shows_more_than_its_first_three_and_last_four_digits():
    for text in ["13812345678", "138 1234 5678", "+86 138-1234-5678", "１３８１２３４５６７８"]:
        result = masked(f"请拨{text}联系")
        digits = re.sub(r"\D", "", result.replace("８６", "").replace("86", ""))
        assert digits == "1385678", result
        assert "1234" not in result


def test_names_are_masked_wherever_they_occur():
    assert masked("我是李明，李明的电话13812345678", "李明") == "我是**，**的电话138****5678"
    assert masked("李 明反映", "李明") == "* *反映"
    assert masked("王女士说", "王女士") == "***说"
    assert masked("Reported by Ming Li; Li said", "Ming Li") == "Reported by **** **; ** said"
    assert masked("MING LI", "Ming Li") == "**** **"
    # As words only: "Light" keeps its "Li".
    assert masked("Light broken", "Ming Li") == "Light broken"
    # One letter names nobody and would mangle every 王.
    assert masked("王府井", "王") == "王府井"
    assert masked("没有名字", "") == "没有名字"


def test_the_longer_name_is_masked_whole():
    assert masked("李明华和李明", "李明", "李明华") == "***和**"


def test_numbers_glued_to_chinese_and_to_each_other_by_words_are_found():
    assert (
        masked("身份证号110101199003071234电话13812345678座机010-62345678李明", "李明")
        == "身份证号******************电话138****5678座机010-****5678**"
    )


def test_none_and_empty_give_empty_text():
    assert personal_data_masked(None) == ""
    assert personal_data_masked("") == ""


def test_what_is_already_masked_stays_as_it_is():
    once = masked("13812345678 110101199003071234 010-62345678 李明", "李明")
    assert masked(once, "李明") == once


def test_text_around_the_numbers_keeps_its_own_characters():
    assert masked("（见附件）电话：１３８１２３４５６７８，谢谢！") == "（见附件）电话：138****5678，谢谢！"


def test_payloads_mask_every_string_and_keep_the_rest():
    payload = {
        "result": "已清运，联系王经理13987654321",
        "outcome": "fixed",
        "unit": 3,
        "due_at": "2026-12-03T10:00:00+08:00",
        "duplicate_of": "SS-202612-000001",
        "options": [{"text": "李明家门口 13812345678", "unit": 2}, "甲"],
        "unrated": True,
    }
    assert payload_masked(payload, names=["李明"]) == {
        "result": "已清运，联系王经理139****4321",
        "outcome": "fixed",
        "unit": 3,
        "due_at": "2026-12-03T10:00:00+08:00",
        "duplicate_of": "SS-202612-000001",
        "options": [{"text": "**家门口 138****5678", "unit": 2}, "甲"],
        "unrated": True,
    }


def test_a_cases_texts_are_masked_with_its_reporters_name():
    case = SimpleNamespace(
        title="垃圾 · 李明 13812345678",
        description="我是李明，身份证110101199003071234",
        address="和平里3号楼502",
        resolution="已处理，电话010-62345678",
        rating_comment="",
        reject_reason=None,
        reporter_name="李明",
    )
    text = case_texts(case, masked=True)
    assert (text.title, text.description, text.address, text.resolution) == (
        "垃圾 · ** 138****5678",
        "我是**，身份证******************",
        "和平里3号楼502",
        "已处理，电话010-****5678",
    )
    assert (text.rating_comment, text.reject_reason) == ("", "")
    whole = case_texts(case, masked=False)
    assert whole.description == case.description


def test_the_bare_phone_field_keeps_its_own_mask():
    assert phone_masked("13812345678") == masked("13812345678") == "138****5678"


def test_retention_masks_every_digit_of_a_number_and_keeps_what_surrounds_it_as_typed():
    text = "李明 座机（010）6234 5678，手机１３８-1234-5678，电话 6234567，2026-12-03 3号楼502"

    assert personal_data_masked(text, names=["李明"], whole=True) == (
        "** 座机（***）**** ****，手机***-****-****，电话 *******，2026-12-03 3号楼502"
    )

"""Hostile and unreadable PDFs (tests/hostile_files.py) through the importer's public entry:
each is answered quickly with one Chinese problem naming the file, read in a bounded child
(tests/test_import_hostile.py's ``read``: a time limit and a memory cap around the reading
process, which itself reads the PDF in a child of its own, bounded again: the CPU time printed
is the first child's only)."""

from __future__ import annotations

import pytest

import projects.importing.pdf as pdf_reader
from tests import hostile_files as hostile
from tests.test_import_hostile import read, refusal

pytestmark = pytest.mark.django_db


def test_a_file_named_pdf_that_is_not_one_is_refused(record_property):
    message = refusal(read(hostile.pdf_not_a_pdf(), record_property), "绩效目标表.pdf")
    assert "不是 PDF 文件" in message


@pytest.mark.parametrize("build", [hostile.pdf_damaged, hostile.pdf_truncated])
def test_a_damaged_pdf_is_refused(build, record_property):
    name, data = build()
    message = refusal(read((name, data), record_property), name)
    assert "PDF" in message


def test_an_encrypted_pdf_is_refused_asking_for_one_without_a_password(record_property):
    message = refusal(read(hostile.pdf_encrypted(), record_property), "加密的.pdf")
    assert "已加密" in message and "密码" in message


def test_a_pdf_restricted_only_by_permissions_is_read(record_property):
    outcome = read(hostile.pdf_encrypted(user_password=""), record_property)
    assert outcome.errors == []
    assert len(outcome.forms) == 22


def test_thousands_of_pages_are_refused_before_any_is_read(record_property):
    message = refusal(read(hostile.pdf_many_pages(), record_property), "5000页.pdf")
    assert "5,000 页" in message and "500 页" in message


def test_more_pages_than_the_page_tree_declares_are_refused(record_property):
    message = refusal(read(hostile.pdf_more_pages_than_declared(), record_property), "页数不实.pdf")
    assert "超过上限 500 页" in message


def test_a_content_stream_inflating_to_100_megabytes_is_refused_naming_the_page(
    record_property,
):
    message = refusal(read(hostile.pdf_content_bomb(), record_property), "内容炸弹.pdf")
    assert "第 1 页" in message and "16 MB" in message


def test_a_pdf_too_slow_to_read_is_stopped_at_the_time_limit(settings, record_property):
    settings.IMPORT_PDF_SECONDS = 3
    message = refusal(read(hostile.pdf_slow_content(), record_property), "绘图过多.pdf")
    assert "3 秒内没有读完" in message


def test_a_memory_bomb_in_a_font_is_stopped_by_the_memory_cap(monkeypatch, record_property):
    monkeypatch.setattr(pdf_reader, "MEMORY_BYTES", 256 * 1024 * 1024)
    message = refusal(read(hostile.pdf_font_bomb(), record_property), "字体炸弹.pdf")
    assert "内存超过上限" in message


def test_a_pdf_without_a_ruled_table_says_so(record_property):
    message = refusal(read(hostile.pdf_text_without_table(), record_property), "没有表格.pdf")
    assert "没有找到带边框的表格" in message


def test_a_pdf_without_text_is_taken_for_a_scan(record_property):
    message = refusal(read(hostile.pdf_without_text(), record_property), "扫描件.pdf")
    assert "没有文字" in message and "扫描件" in message


def test_a_pdf_whose_table_is_not_a_guangzhou_table_says_so(record_property):
    message = refusal(read(hostile.pdf_other_table(), record_property), "别的表格.pdf")
    assert "没有找到广州表样" in message

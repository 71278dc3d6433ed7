"""CSV for Excel in Japan: UTF-8 with a BOM, CRLF line ends, values quoted as the csv module does, a download
streamed a row at a time."""
from __future__ import annotations

import csv
import io

from flask import Flask

from portal import excel_csv


def test_the_text_starts_with_a_bom_and_ends_every_line_with_crlf():
    text = excel_csv.text(["受付番号", "氏名"], [["A-1", "一宮 花子"], ["A-2", "安城, 太郎"]])
    assert text == '\ufeff受付番号,氏名\r\nA-1,一宮 花子\r\nA-2,"安城, 太郎"\r\n'


def test_a_header_alone_is_a_file_too():
    assert excel_csv.text(["ID"], []) == "\ufeffID\r\n"


def test_encoded_is_utf8_that_excel_and_the_csv_module_read_back():
    data = excel_csv.encoded(["金額", "備考"], [[300, "改行\nあり"]])
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["金額", "備考"], ["300", "改行\nあり"]]


def test_chunks_come_one_per_row_as_the_rows_are_read():
    read = []

    def rows():
        for n in range(3):
            read.append(n)
            yield [n]

    chunks = excel_csv.chunks(["n"], rows())
    assert next(chunks) == "\ufeffn\r\n" and read == []
    assert next(chunks) == "0\r\n" and read == [0]
    assert list(chunks) == ["1\r\n", "2\r\n"]


def test_a_download_is_a_streamed_attachment():
    app = Flask(__name__)
    with app.test_request_context("/"):
        response = excel_csv.download("audit-ichinomiya.csv", excel_csv.chunks(["ID"], [[1]]),
                                      {"Cache-Control": "no-store"})
        assert response.is_streamed and response.mimetype == "text/csv"
        assert response.headers["Content-Disposition"] == 'attachment; filename="audit-ichinomiya.csv"'
        assert response.headers["Cache-Control"] == "no-store"
        assert response.get_data() == "\ufeffID\r\n1\r\n".encode()

"""Browser: an official reads the plan's task board at both screen sizes; an admin imports a
register file in the browser, sees the bad rows named, then imports a good file."""

from __future__ import annotations

import pytest

from demo.load import DEMO_ACCOUNTS
from registers.models import PublicityEvent
from tests.e2e.conftest import ARTIFACTS, committed_sql, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db]
HEADER = "area_code,held_on,title,kind,audience,reach_persons\n"
GOOD_TITLE = "世界水日进社区（浏览器导入测试）"


class RegisterBrowserTests:
    @pytest.mark.parametrize("size", [(1366, 768), (1440, 900)])
    def test_official_reads_the_task_board(self, page, site, size):
        page.set_viewport_size({"width": size[0], "height": size[1]})
        login(page, site.url, "official", DEMO_ACCOUNTS["official"][1])
        page.click("header nav a[href='/registers/tasks/']")
        page.wait_for_selector("#summary")
        assert page.locator("#departments tr.dept-late").count() >= 4
        first = page.locator("#departments tbody tr").first.inner_text()
        assert "连州市水利局" in first  # the department with the most late tasks heads the list
        assert page.locator("tr.task-overdue").count() >= 10
        assert page.locator("form.report").count() == 0  # officials supervise, admins report
        # an earlier day: mid-2024 nothing was late yet
        page.fill("input[name=as_of]", "2024-06-30")
        page.click("form.inline button[type=submit] >> text=显示")
        page.wait_for_selector("#summary")
        assert page.locator("tr.task-overdue").count() == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"task-board-{size[0]}.png"), full_page=True)
        page.watch.assert_clean()

    def test_admin_imports_a_register_file(self, page, site, tmp_path):
        try:
            self._import(page, site, tmp_path)
        finally:  # the live server committed the row: take it out for the tests that follow
            committed_sql("DELETE FROM registers_publicityevent WHERE title = %s", [GOOD_TITLE])

    def _import(self, page, site, tmp_path):
        login(page, site.url, "admin", DEMO_ACCOUNTS["admin"][1])
        page.goto(f"{site.url}/registers/publicity-events/")
        page.click("a[href='/registers/publicity-events/import/']")
        bad = tmp_path / "bad.csv"
        bad.write_text(HEADER + "441882,2030-02-30,甲,campaign,,5\n", encoding="utf-8")
        page.set_input_files("input[name=file]", str(bad))
        page.click("form.upload button[type=submit]")
        page.wait_for_selector("#import-errors")
        assert "不是日期" in page.locator("#import-errors").inner_text()
        assert not PublicityEvent.objects.filter(title="甲").exists()
        page.screenshot(path=str(ARTIFACTS / "register-import-refused.png"), full_page=True)
        # the refused upload answers 400: the browser logs that, and nothing else
        assert all("status of 400" in e for e in page.watch.errors), page.watch.errors
        page.watch.errors.clear()
        good = tmp_path / "good.csv"
        good.write_text(HEADER + f"441882,2030-03-22,{GOOD_TITLE},community,居民,400\n", "utf-8")
        page.set_input_files("input[name=file]", str(good))
        page.click("form.upload button[type=submit]")
        page.wait_for_selector("#import-result.ok")
        assert "已导入 1 行" in page.inner_text("#import-result")
        assert PublicityEvent.objects.filter(title=GOOD_TITLE).exists()
        page.watch.assert_clean()

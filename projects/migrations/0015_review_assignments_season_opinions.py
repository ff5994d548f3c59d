"""Review at budget-season scale: the finance bureau's assignments (and who may make them),
the budget season under way, and the quick picks of review opinions as templates per
framework (the eight shipped ones seeded for every framework; the comments that stored a
quick pick's key now store its text, which stays readable whatever becomes of the template).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


# The quick picks shipped before this migration: key (as comments stored it) and text.
SHIPPED_OPINIONS = (
    ("incomplete", "指标不够完整"),
    ("not_quantified", "指标不够细化量化"),
    ("not_relevant", "指标与项目相关性不够"),
    ("value_mismatch", "指标与指标值不匹配"),
    ("split", "建议拆分指标"),
    ("wrong_category", "一级/二级指标类型错误"),
    ("add_indicators", "建议增加产出/效益/满意度指标"),
    ("value_low", "指标值偏低"),
)


def seed_opinions(apps, schema_editor):
    Framework = apps.get_model("indicators", "Framework")
    OpinionTemplate = apps.get_model("projects", "OpinionTemplate")
    Comment = apps.get_model("projects", "Comment")
    OpinionTemplate.objects.bulk_create(
        OpinionTemplate(framework=framework, text=text, key=key, order=order)
        for framework in Framework.objects.all()
        for order, (key, text) in enumerate(SHIPPED_OPINIONS, start=1)
    )
    for key, text in SHIPPED_OPINIONS:
        Comment.objects.filter(quick_pick=key).update(quick_pick=text)


def unseed_opinions(apps, schema_editor):
    Comment = apps.get_model("projects", "Comment")
    for key, text in SHIPPED_OPINIONS:
        Comment.objects.filter(quick_pick=text).update(quick_pick=key)
    # a quick pick with no key of old (a template added since) keeps its text as the comment
    for comment in Comment.objects.exclude(quick_pick="").exclude(
        quick_pick__in=[key for key, _text in SHIPPED_OPINIONS]
    ):
        comment.text = "：".join(part for part in (comment.quick_pick, comment.text) if part)
        comment.quick_pick = ""
        comment.save(update_fields=["text", "quick_pick"])


class Migration(migrations.Migration):
    dependencies = [
        ("indicators", "0002_frameworks"),
        ("projects", "0014_notification_mail_failures"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="assigns_work",
            field=models.BooleanField(
                default=False,
                help_text="财政局的财政审核人可勾选：可把主管部门或单张表分配给各财政审核人。",
                verbose_name="分配审核任务",
            ),
        ),
        migrations.AlterField(
            model_name="comment",
            name="quick_pick",
            field=models.CharField(blank=True, max_length=100, verbose_name="常用意见"),
        ),
        migrations.CreateModel(
            name="Season",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "fiscal_year",
                    models.PositiveSmallIntegerField(
                        help_text="列表、待我审核和进度总览默认打开的预算年度。",
                        verbose_name="当前预算年度",
                    ),
                ),
            ],
            options={
                "verbose_name": "当前预算年度",
                "verbose_name_plural": "当前预算年度",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("fiscal_year__gte", 2000), ("fiscal_year__lte", 2100)),
                        name="season_year_in_range",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="Assignment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("assigned_at", models.DateTimeField(auto_now=True, verbose_name="分配时间")),
                (
                    "assigned_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="分配人",
                    ),
                ),
                (
                    "department",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="review_assignments",
                        to="projects.organization",
                        verbose_name="主管部门",
                    ),
                ),
                (
                    "form",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="review_assignments",
                        to="projects.performanceform",
                        verbose_name="绩效目标表",
                    ),
                ),
                (
                    "reviewer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="review_assignments",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="财政审核人",
                    ),
                ),
            ],
            options={
                "verbose_name": "审核分配",
                "verbose_name_plural": "审核分配",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("department__isnull", True), ("form__isnull", False)),
                            models.Q(("department__isnull", False), ("form__isnull", True)),
                            _connector="OR",
                        ),
                        name="assignment_of_a_department_or_a_form",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("department__isnull", False)),
                        fields=("department",),
                        name="assignment_one_per_department",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("form__isnull", False)),
                        fields=("form",),
                        name="assignment_one_per_form",
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="OpinionTemplate",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("text", models.CharField(max_length=100, verbose_name="意见")),
                ("order", models.PositiveSmallIntegerField(default=0, verbose_name="顺序")),
                ("active", models.BooleanField(default=True, verbose_name="启用")),
                (
                    "key",
                    models.CharField(
                        blank=True, editable=False, max_length=30, verbose_name="原代码"
                    ),
                ),
                (
                    "framework",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="opinion_templates",
                        to="indicators.framework",
                        verbose_name="指标体系",
                    ),
                ),
                (
                    "owner",
                    models.ForeignKey(
                        blank=True,
                        help_text="留空为指标体系的常用意见；填写则为该审核人自己的常用意见。",
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="opinion_templates",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="审核人",
                    ),
                ),
            ],
            options={
                "verbose_name": "常用意见",
                "verbose_name_plural": "常用意见",
                "ordering": ["framework", "owner", "order", "id"],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("framework__isnull", True), ("owner__isnull", False)),
                            models.Q(("framework__isnull", False), ("owner__isnull", True)),
                            _connector="OR",
                        ),
                        name="opinion_of_a_framework_or_a_reviewer",
                    )
                ],
            },
        ),
        migrations.RunPython(seed_opinions, unseed_opinions),
    ]

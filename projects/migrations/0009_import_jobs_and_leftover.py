"""Big imports run by the worker (ImportJob), and what an import could not place on a form
(待修正). On SQLite, adding a NOT NULL column rebuilds the table, which the triggers of 0002 do
not survive: they are dropped first and created again (as in 0008)."""

import importlib

import django.db.models.deletion
from django.db import migrations, models

triggers = importlib.import_module("projects.migrations.0002_triggers")
_on_sqlite = importlib.import_module("projects.migrations.0008_indicator_text")._on_sqlite


class Migration(migrations.Migration):

    dependencies = [
        ('projects', '0008_indicator_text'),
    ]

    operations = [
        migrations.RunPython(
            _on_sqlite(triggers.SQLITE_BACKWARD), _on_sqlite(triggers.SQLITE_FORWARD)
        ),
        migrations.AddField(
            model_name='performanceform',
            name='import_leftover',
            field=models.TextField(blank=True, verbose_name='导入时未能识别的内容'),
        ),
        migrations.RunPython(
            _on_sqlite(triggers.SQLITE_FORWARD), _on_sqlite(triggers.SQLITE_BACKWARD)
        ),
        migrations.CreateModel(
            name='ImportJob',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('status', models.CharField(choices=[('pending', '排队中'), ('running', '生成中'), ('done', '已完成'), ('failed', '失败'), ('expired', '已过期')], default='pending', max_length=20, verbose_name='状态')),
                ('total', models.PositiveIntegerField(default=0, verbose_name='表数')),
                ('done', models.PositiveIntegerField(default=0, verbose_name='已处理')),
                ('error', models.TextField(blank=True, verbose_name='错误')),
                ('task_id', models.CharField(blank=True, max_length=64, verbose_name='任务编号')),
                ('attempts', models.PositiveIntegerField(default=0, verbose_name='运行次数')),
                ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='最近进度时间')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='创建时间')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间')),
                ('kind', models.CharField(choices=[('read', '读取预览'), ('commit', '导入')], max_length=10, verbose_name='类型')),
                ('stage', models.CharField(blank=True, max_length=100, verbose_name='进度说明')),
                ('options', models.JSONField(default=dict, verbose_name='导入选项')),
                ('result', models.JSONField(default=dict, verbose_name='结果')),
                ('preview', models.TextField(blank=True, verbose_name='预览')),
                ('staged', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='jobs', to='projects.stagedimport', verbose_name='待确认的导入')),
            ],
            options={
                'verbose_name': '后台导入任务',
                'verbose_name_plural': '后台导入任务',
                'ordering': ['-created_at', '-id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status__in', ('pending', 'running'))), fields=('staged',), name='import_job_one_active_per_upload')],
            },
        ),
    ]

"""Datasets held in the database: aggregate counts with their provenance, never person-level
data. The pages rebuild the canonical counts table from these rows and run copro's audit."""

from __future__ import annotations

from django.db import models


class Dataset(models.Model):
    """One imported file (or folder of FOI returns): its counts and where they came from."""

    class Kind(models.TextChoices):
        DFE_REQUESTS = "dfe_requests", "DfE requests by source (open data)"
        FOI_RETURNS = "foi_returns", "FOI campaign returns"
        SEN2_AGGREGATE = "sen2_aggregate", "SEN2-derived aggregate counts"

    slug = models.SlugField(max_length=80, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=255, help_text="file or folder name as imported")
    description = models.TextField()
    periods = models.CharField(max_length=255, help_text="periods present, comma-separated")
    default_period = models.CharField(max_length=20, blank=True)
    sha256 = models.CharField(max_length=64)
    licence = models.CharField(max_length=255)
    attribution = models.TextField()
    rows_read = models.PositiveIntegerField(
        null=True, blank=True, help_text="empty: withheld (disclosure control)")
    rows_used = models.PositiveIntegerField(
        null=True, blank=True, help_text="empty: withheld (disclosure control)")
    suppress_below = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="SEN2: counts from 1 to this minus 1 were withheld")
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-imported_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["kind", "sha256"],
                                               name="dataset_kind_sha256_unique")]

    def __str__(self) -> str:
        return f"{self.source} ({self.get_kind_display()}, {self.periods})"


class Area(models.Model):
    """England, a region or a local authority, as named in one dataset."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="areas")
    code = models.CharField(max_length=12, help_text="ONS code")
    name = models.CharField(max_length=120)
    level = models.CharField(max_length=20)
    region_code = models.CharField(max_length=12, blank=True)
    region_name = models.CharField(max_length=120, blank=True)
    old_la_code = models.CharField(max_length=3, blank=True, help_text="3-digit DfE code")

    class Meta:
        ordering = ["dataset", "name"]
        constraints = [models.UniqueConstraint(fields=["dataset", "code"],
                                               name="area_dataset_code_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Count(models.Model):
    """One row of the canonical counts table: area x period x requester group x measure, with
    the count or, where it is missing, the reason (a DfE symbol, a withheld small count)."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="counts")
    area_code = models.CharField(max_length=12)
    period = models.CharField(max_length=20)
    group = models.CharField(max_length=20)
    measure = models.CharField(max_length=40)
    value = models.BigIntegerField(null=True, blank=True)
    missing_reason = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dataset", "area_code", "period", "group", "measure"],
                                    name="count_cell_unique"),
            models.CheckConstraint(condition=models.Q(value__gte=0) | models.Q(value__isnull=True),
                                   name="count_not_negative"),
            models.CheckConstraint(
                condition=models.Q(value__isnull=False) | ~models.Q(missing_reason=""),
                name="count_missing_has_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.area_code} {self.period} {self.group} {self.measure}"


class RenderedPage(models.Model):
    """A page of the explorer as served (its bytes, and their gzip), shared by every worker
    process: drawn once per dataset and copro code version, not once per worker
    (``copro.web.explorer.pagecache``). Emptied when a new file is imported."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="pages")
    key = models.CharField(max_length=64, help_text="SHA-256 of the address, format and code")
    status = models.PositiveSmallIntegerField()
    filename = models.CharField(max_length=120)
    gzipped = models.BinaryField(help_text="the page's bytes, gzip-compressed")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dataset", "key"],
                                               name="rendered_page_unique")]

    def __str__(self) -> str:
        return f"{self.dataset_id} {self.key[:12]}"

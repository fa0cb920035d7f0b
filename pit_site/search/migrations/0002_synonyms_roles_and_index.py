from django.db import migrations

from pit_site.roles import grant
from pit_site.search import index

# Patients' words for what the pages call something else. Editors change these in the admin.
SYNONYMS = [
    "sugar, dextrose, glucose, D5W",
    "prolo, prolotherapy",
    "neural prolotherapy, NPT, perineural injection therapy, PIT",
    "heel, plantar fasciitis",
    "tennis elbow, lateral elbow",
    "jab, jabs, injection, shot",
    "pins and needles, tingling",
    "cost, price, fee, charge, how much",
    "side effects, risks",
    "migraine, headache",
]

# Content editors keep the synonyms and read (and clear) the searches that found nothing.
ROLES = {
    "Content editors": [
        ("search", "synonym", ["add", "change", "delete", "view"]),
        ("search", "unmatchedsearch", ["view", "delete"]),
    ],
}


def seed(apps, schema_editor):
    Synonym = apps.get_model("search", "Synonym")
    for words in SYNONYMS:
        Synonym.objects.get_or_create(words=words)
    grant(apps, ROLES)
    # Sites that already have pages get their index now; new pages are indexed on save.
    index.rebuild(apps.get_model("pages", "Page"), apps.get_model("search", "SearchDocument"))


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0001_search_index_synonyms_unmatched"),
        ("pages", "0004_roles"),
        ("clinic", "0005_cache_table"),  # rebuilding the index writes to the cache
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

"""A deterministic benchmark corpus: real handbill projects at three scales, no network.

    .venv/bin/python benchmarks/corpus.py medium [--seed 7] [--out benchmarks/work/corpus]

For a scale it writes, under <out>/<scale>/:

    v1/        a handbill project: handbill.toml, source/<campaign>/{campaign.yml, leaflet.md,
               posts.yml}, locales/<campaign>.pot and locales/<lang>/LC_MESSAGES/<campaign>.po
               (made by `handbill extract` + `handbill update`, then filled: ~80% reviewed,
               ~10% fuzzy (half of those with a `#| msgid`), ~10% untranslated)
    v2/source/ the same campaigns after an edit: ~5% of the messages changed by a word, ~2%
               removed, ~2% added
    STAMP      the generator version, seed and scale; a matching stamp means "already built"

Translations are pseudo-translations: a deterministic word substitution per language in that
language's script, keeping Markdown, links, hashtags and {placeholders} intact. Catalogs are
written with handbill's own writer (pipeline.catalogs.pofile).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path

import re

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from pipeline.catalogs.pofile import dump_catalog, read_catalog  # noqa: E402

GENERATOR_VERSION = 4
DEFAULT_SEED = 7
DEFAULT_OUT = HERE / "work" / "corpus"


@dataclass(frozen=True)
class Scale:
    campaigns: int
    messages: int  # per campaign
    languages: int


SCALES = {
    "small": Scale(1, 40, 10),
    "medium": Scale(20, 60, 50),
    "large": Scale(100, 60, 100),
    # The large scale's text for one language as one catalog (the issue's "one catalog of
    # ~6,400 messages"): one campaign of 6,000 messages, in one language.
    "large-one-catalog": Scale(1, 6000, 1),
}

# Real locale codes Babel knows, in a fixed order; a scale takes the first N.
LOCALES = (
    "es", "fr", "pt_BR", "ar", "hi", "sw", "de", "ru", "zh_Hans", "ja",
    "ko", "it", "tr", "fa", "ur", "bn", "id", "vi", "th", "pl",
    "uk", "nl", "el", "he", "ta", "te", "mr", "ro", "hu", "cs",
    "sv", "da", "fi", "nb", "bg", "sr", "hr", "sk", "sl", "lt",
    "lv", "et", "ka", "hy", "am", "ne", "si", "km", "my", "zu",
    "xh", "yo", "ig", "ha", "so", "ms", "fil", "ca", "eu", "gl",
    "cy", "ga", "is", "mk", "sq", "bs", "az", "kk", "uz", "ky",
    "mn", "ps", "pa", "gu", "kn", "ml", "or", "as", "lo", "ti",
    "om", "rw", "mg", "ny", "sn", "st", "tn", "af", "be", "tg",
    "tk", "ug", "sd", "ckb", "ku", "zh_Hant", "pt_PT", "es_MX", "fr_CA", "en_GB",
)

# Letters to build pseudo-words from, by script.
_ALPHABETS = {
    "latin": "abcdefghijklmnoprstuvyzáéíóúñçãõàèüöäß",
    "cyrillic": "абвгдежзийклмнопрстуфхцчшщыэюяіїєґў",
    "greek": "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώ",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهويپچژگکی",
    "hebrew": "אבגדהוזחטיכלמנסעפצקרשת",
    "devanagari": "अआइईउएओकखगघचछजझटठडढणतथदधनपफबभमयरलवशषसहािीुूेैोौं",
    "bengali": "অআইঈউএওকখগঘচছজঝটঠডঢণতথদধনপফবভমযরলশষসহািীুূেৈোৌং",
    "tamil": "அஆஇஈஉஎஏஐஒஓகஙசஞடணதநபமயரலவழளறனாிீுூெேைொோ",
    "telugu": "అఆఇఈఉఎఏఐఒఓకఖగఘచఛజఝటఠడఢణతథదధనపఫబభమయరలవశషసహాిీుూెేైొో",
    "gurmukhi": "ਅਆਇਈਉਏਐਓਔਕਖਗਘਚਛਜਝਟਠਡਢਣਤਥਦਧਨਪਫਬਭਮਯਰਲਵਸਹਾਿੀੁੂੇੈੋੌ",
    "gujarati": "અઆઇઈઉએઓકખગઘચછજઝટઠડઢણતથદધનપફબભમયરલવશષસહાિીુૂેૈોૌ",
    "kannada": "ಅಆಇಈಉಎಏಐಒಓಕಖಗಘಚಛಜಝಟಠಡಢಣತಥದಧನಪಫಬಭಮಯರಲವಶಷಸಹಾಿೀುೂೆೇೈೊೋ",
    "malayalam": "അആഇഈഉഎഏഐഒഓകഖഗഘചഛജഝടഠഡഢണതഥദധനപഫബഭമയരലവശഷസഹാിീുൂെേൈൊോ",
    "oriya": "ଅଆଇଈଉଏଐଓଔକଖଗଘଚଛଜଝଟଠଡଢଣତଥଦଧନପଫବଭମଯରଲଶଷସହାିୀୁୂେୈୋୌ",
    "sinhala": "අආඇඈඉඊඋඌඑඒඔඕකගචජටඩණතදනපබමයරලවසහළාැෑිීුූෙේො",
    "thai": "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮะาิีึืุูเแโใไ",
    "lao": "ກຂຄງຈສຊຍດຕຖທນບປຜຝພຟມຢຣລວຫອຮະາິີຶືຸູເແໂໃໄ",
    "khmer": "កខគឃងចឆជឈញដឋឌឍណតថទធនបផពភមយរលវសហឡអាិីឹឺុូួើឿៀេែៃោៅ",
    "myanmar": "ကခဂဃငစဆဇဈညဋဌဍဎဏတထဒဓနပဖဗဘမယရလဝသဟဠအာိီုူေဲံ",
    "georgian": "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ",
    "armenian": "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆ",
    "ethiopic": "ሀለሐመሠረሰሸቀበተቸኀነኘአከኸወዐዘዠየደጀገጠጨጰጸፀፈፐ",
    "han": "人民自由正义和平团结工会运动世界国家行动声明要求立即释放反对战争真相权利新闻记者",
    "hant": "人民自由正義和平團結工會運動世界國家行動聲明要求立即釋放反對戰爭真相權利新聞記者",
    "kana": "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわん",
    "hangul": "가나다라마바사아자차카타파하거너더러머버서어저처커터퍼허고노도로모보소오조초",
}
_SCRIPTS = {
    "ru": "cyrillic", "uk": "cyrillic", "bg": "cyrillic", "sr": "cyrillic", "mk": "cyrillic",
    "kk": "cyrillic", "ky": "cyrillic", "mn": "cyrillic", "be": "cyrillic", "tg": "cyrillic",
    "el": "greek", "ar": "arabic", "fa": "arabic", "ur": "arabic", "ps": "arabic",
    "ug": "arabic", "sd": "arabic", "ckb": "arabic", "he": "hebrew",
    "hi": "devanagari", "mr": "devanagari", "ne": "devanagari", "bn": "bengali",
    "as": "bengali", "ta": "tamil", "te": "telugu", "pa": "gurmukhi", "gu": "gujarati",
    "kn": "kannada", "ml": "malayalam", "or": "oriya", "si": "sinhala", "th": "thai",
    "lo": "lao", "km": "khmer", "my": "myanmar", "ka": "georgian", "hy": "armenian",
    "am": "ethiopic", "ti": "ethiopic", "zh_Hans": "han", "zh_Hant": "hant", "ja": "kana",
    "ko": "hangul",
}
_NO_SPACES = {"han", "hant", "kana", "thai", "lao", "khmer", "myanmar"}

WORDS = """
people world freedom justice peace workers union movement struggle solidarity truth rights
journalist press free speech democracy nation government police court prison release demand
call action street march protest rally embassy consulate letter sign share follow join
community neighbourhood school university student teacher nurse doctor farmer worker family
children women youth elders city village country region border land water food housing rent
wage strike picket vote election campaign petition meeting assembly council organise organize
support defend protect resist refuse stand speak write read listen learn teach build grow
together everyone across every each many all our their your this that these those today
tomorrow week month year morning evening night friday saturday sunday monday square park
hall centre center station bridge road river harbour port market factory office hospital
clinic library church mosque temple theatre stadium public private common shared open closed
fair unfair equal unequal long short strong weak brave clear simple urgent immediate
unconditional international local national global regional historic important necessary
possible impossible ready able willing proud angry hopeful peaceful powerful independent
safe secure dignified decent honest human social political economic cultural environmental
climate energy transport health care education culture history future past present change
power voice hope fear anger joy courage memory silence noise light darkness fire storm
against with without for from into onto over under after before during between among
because although while until unless since when where why how what who whom which whose
must should could would will can may might shall need want know see find give take bring
send receive keep hold carry lead follow gather meet discuss decide agree disagree vote
announce report publish reveal expose investigate document record remember celebrate honour
mourn demand insist require request invite welcome thank encourage inspire unite
""".split()

_TOKEN_RE = re.compile(r"(\{[a-z]+\}|\]\([^)]*\)|#\w+|https?://\S+|[A-Za-z]+)")


def _rng(seed: int, *parts: object) -> random.Random:
    """An independent, reproducible generator for one part of the corpus."""
    return random.Random(f"{seed}:" + ":".join(map(str, parts)))


# ---------------------------------------------------------------------------- pseudo-translation


class PseudoTranslator:
    """A deterministic word-for-word substitution into one language's script."""

    def __init__(self, lang: str, seed: int):
        self.lang = lang
        self.script = _SCRIPTS.get(lang, "latin")
        self.letters = _ALPHABETS[self.script]
        self.seed = seed
        self.cache: dict[str, str] = {}

    def word(self, word: str) -> str:
        lower = word.lower()
        out = self.cache.get(lower)
        if out is None:
            rng = random.Random(zlib.crc32(f"{self.seed}:{self.lang}:{lower}".encode()))
            n = max(1, round(len(lower) * rng.uniform(0.6, 1.4)))
            if self.script in ("han", "hant", "kana", "hangul"):
                n = max(1, (n + 1) // 2)
            out = "".join(rng.choice(self.letters) for _ in range(n))
            self.cache[lower] = out
        if self.script == "latin" and word[:1].isupper():
            out = out[:1].upper() + out[1:]
        return out

    def __call__(self, text: str) -> str:
        parts = _TOKEN_RE.split(text)
        for i in range(1, len(parts), 2):
            token = parts[i]
            if token[0].isalpha() and not token.startswith("http"):
                parts[i] = self.word(token)
        out = "".join(parts)
        if self.script in _NO_SPACES:
            # Scripts written without spaces between words: keep the spaces around markup only.
            out = re.sub(r"(?<=[^\x00-\x7f]) (?=[^\x00-\x7f])", "", out)
        return out


# ---------------------------------------------------------------------------- source texts


@dataclass
class Unit:
    """One translatable unit of a campaign's sources (one message)."""

    kind: str  # heading1 heading2 paragraph item quote post card
    text: str
    ident: str = ""
    extra: dict = field(default_factory=dict)


class TextMaker:
    """Sentences and paragraphs of realistic length from the word list, never repeated."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.seen: set[str] = set()

    def words(self, lo: int, hi: int) -> list[str]:
        return [self.rng.choice(WORDS) for _ in range(self.rng.randint(lo, hi))]

    def sentence(self, lo: int = 6, hi: int = 20) -> str:
        words = self.words(lo, hi)
        rng = self.rng
        if rng.random() < 0.25:
            i = rng.randrange(len(words))
            j = min(len(words), i + rng.randint(1, 3))
            words[i:j] = ["**" + " ".join(words[i:j]) + "**"]
        if rng.random() < 0.15:
            i = rng.randrange(len(words))
            j = min(len(words), i + rng.randint(1, 4))
            slug = "-".join(w.strip("*") for w in words[i:j])[:40]
            words[i:j] = ["[" + " ".join(words[i:j]) + f"](https://example.org/{slug})"]
        if rng.random() < 0.12:
            tag = "".join(w.capitalize() for w in self.words(1, 3))
            words.insert(rng.randrange(1, len(words) + 1), "#" + tag)
        if rng.random() < 0.05:
            words.insert(rng.randrange(1, len(words) + 1), rng.choice(["{date}", "{place}"]))
        text = " ".join(words)
        text = text[0].upper() + text[1:] if text[0].isalpha() else text
        return text + rng.choice(".....!?")

    def unique(self, make) -> str:
        for _ in range(100):
            text = make()
            if text not in self.seen:
                self.seen.add(text)
                return text
        raise RuntimeError("could not make a unique text")

    def paragraph(self) -> str:
        def make():
            target = self.rng.randint(60, 400)
            text = self.sentence()
            while len(text) < target:
                more = text + " " + self.sentence()
                if len(more) > 400:
                    break
                text = more
            return text
        return self.unique(make)

    def heading(self) -> str:
        return self.unique(lambda: " ".join(self.words(2, 7)).capitalize())

    def item(self) -> str:
        return self.unique(lambda: f"**{self.rng.choice(WORDS).upper()}** – "
                                   + self.sentence(5, 24))

    def post(self) -> str:
        def make():
            while True:
                text = self.sentence(8, 18)
                while len(text) < 120:
                    text += " " + self.sentence(4, 10)
                if len(text) <= 200:
                    return text
        return self.unique(make)

    def slogan(self) -> str:
        return self.unique(lambda: " ".join(self.words(2, 5)).capitalize() + "!")


@dataclass
class CampaignSource:
    name: str
    meta: dict
    units: list[Unit]  # leaflet units, then posts, then cards, in order

    def message_count(self) -> int:
        return 3 + len(self.units)  # title, summary, place


def campaign_name(index: int) -> str:
    return f"campaign-{index:03d}"


def make_campaign(seed: int, index: int, messages: int) -> CampaignSource:
    rng = _rng(seed, "campaign", index)
    maker = TextMaker(rng)
    name = campaign_name(index)
    title = maker.heading().title()
    meta = {
        "title": title,
        "summary": maker.sentence(10, 22),
        "organisation": f"{rng.choice(WORDS).title()} {rng.choice(WORDS).title()} Assembly",
        "url": f"https://example.org/{name}/",
        "date": f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        "place": maker.sentence(4, 10).rstrip(".!?"),
        "hashtags": ["#" + "".join(w.capitalize() for w in maker.words(2, 3))],
    }
    n_units = messages - 3
    n_cards = 2
    n_posts = round(messages * 0.2)
    n_leaflet = n_units - n_cards - n_posts
    units: list[Unit] = [Unit("heading1", title + " now")]
    maker.seen.add(units[0].text)
    while len(units) < n_leaflet:
        left = n_leaflet - len(units)
        roll = rng.random()
        if roll < 0.12 and left >= 2:
            units.append(Unit("heading2", maker.heading()))
        elif roll < 0.25 and left >= 3:
            units.extend(Unit("item", maker.item()) for _ in range(min(left, rng.randint(2, 4))))
        elif roll < 0.32:
            units.append(Unit("quote", maker.paragraph() if rng.random() < 0.3
                              else maker.sentence(4, 12)))
        else:
            units.append(Unit("paragraph", maker.paragraph()))
    for k in range(n_posts):
        units.append(Unit("post", maker.post(), f"post-{k + 1}", {
            "platforms": rng.sample(["x", "bluesky", "mastodon", "facebook"], rng.randint(1, 4)),
            "link": meta["url"] if rng.random() < 0.6 else None,
        }))
    for k in range(n_cards):
        units.append(Unit("card", maker.slogan(), f"card-{k + 1}"))
    return CampaignSource(name, meta, units)


def edit_campaign(seed: int, campaign: CampaignSource, messages: int) -> CampaignSource:
    """Version 2: ~5% of the messages changed by a word, ~2% removed, ~2% added."""
    rng = _rng(seed, "edit", campaign.name)
    maker = TextMaker(rng)
    maker.seen = {u.text for u in campaign.units}
    units = [replace(u, extra=dict(u.extra)) for u in campaign.units]
    n_edit = max(1, round(messages * 0.05))
    n_remove = max(1, round(messages * 0.02))
    n_add = max(1, round(messages * 0.02))
    # Units that may change: everything but the leaflet's title and list items' labels.
    candidates = [i for i, u in enumerate(units) if u.kind in ("paragraph", "quote", "post",
                                                               "item", "heading2")]
    chosen = rng.sample(candidates, n_edit + n_remove)
    for i in chosen[:n_edit]:
        units[i].text = _small_edit(rng, units[i].text)
    removed = set(chosen[n_edit:])
    post_count = sum(1 for u in units if u.kind == "post")
    units = [u for i, u in enumerate(units) if i not in removed]
    for k in range(n_add):
        if rng.random() < 0.3:
            new = Unit("post", maker.post(), f"post-{post_count + k + 1}",
                       {"platforms": ["x", "bluesky"], "link": None})
            at = max(i for i, u in enumerate(units) if u.kind == "post") + 1
        else:
            new = Unit("paragraph", maker.paragraph())
            leaflet = [i for i, u in enumerate(units) if u.kind not in ("post", "card")]
            at = rng.choice(leaflet[1:]) + 1
        units.insert(at, new)
    return CampaignSource(campaign.name, campaign.meta, units)


def _small_edit(rng: random.Random, text: str) -> str:
    """Change, add or drop one plain word."""
    words = text.split(" ")
    plain = [i for i, w in enumerate(words) if w.isalpha() and w.islower()]
    if not plain:
        return text + " " + rng.choice(WORDS) + "."
    i = rng.choice(plain)
    roll = rng.random()
    if roll < 0.5:
        words[i] = rng.choice([w for w in WORDS if w != words[i]])
    elif roll < 0.85:
        words.insert(i, rng.choice(WORDS))
    elif len(plain) > 3:
        del words[i]
    else:
        words.insert(i, rng.choice(WORDS))
    return " ".join(words)


# ---------------------------------------------------------------------------- writing sources


def _q(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def write_campaign(source_dir: Path, c: CampaignSource) -> None:
    root = source_dir / c.name
    root.mkdir(parents=True, exist_ok=True)
    m = c.meta
    (root / "campaign.yml").write_text(
        f"title: {_q(m['title'])}\n"
        f"summary: {_q(m['summary'])}\n"
        f"organisation: {_q(m['organisation'])}\n"
        f"url: {_q(m['url'])}\n"
        "source_language: en\n"
        "event:\n"
        f"  date: {m['date']}\n"
        f"  place: {_q(m['place'])}\n"
        f"hashtags: [{', '.join(_q(h) for h in m['hashtags'])}]\n"
        f"protected_terms: [{_q(m['organisation'])}]\n", encoding="utf-8")
    lines: list[str] = []
    previous = None
    for unit in c.units:
        if unit.kind in ("post", "card"):
            continue
        if lines and not (unit.kind == "item" and previous == "item"):
            lines.append("")
        if unit.kind == "heading1":
            lines.append(f"# {unit.text}")
        elif unit.kind == "heading2":
            lines.append(f"## {unit.text}")
        elif unit.kind == "item":
            lines.append(f"- {unit.text}")
        elif unit.kind == "quote":
            lines.append(f"> {unit.text}")
        else:
            lines.append(unit.text)
        previous = unit.kind
    (root / "leaflet.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = ["posts:"]
    for unit in c.units:
        if unit.kind == "post":
            out.append(f"  - id: {unit.ident}")
            out.append(f"    text: {_q(unit.text)}")
            out.append(f"    platforms: [{', '.join(unit.extra['platforms'])}]")
            if unit.extra.get("link"):
                out.append(f"    link: {_q(unit.extra['link'])}")
            out.append(f"    hashtags: [{', '.join(_q(h) for h in m['hashtags'])}]")
    out.append("cards:")
    for unit in c.units:
        if unit.kind == "card":
            out.append(f"  - id: {unit.ident}")
            out.append(f"    text: {_q(unit.text)}")
    (root / "posts.yml").write_text("\n".join(out) + "\n", encoding="utf-8")


def write_config(root: Path, languages: list[str]) -> None:
    root.mkdir(parents=True, exist_ok=True)
    langs = ", ".join(_q(code) for code in languages)
    (root / "handbill.toml").write_text(
        "# Benchmark corpus (generated by benchmarks/corpus.py; do not edit).\n"
        "[project]\nsource_language = \"en\"\n"
        f"languages = [{langs}]\nwrap = 79\n", encoding="utf-8")


# ---------------------------------------------------------------------------- catalogs


def fill_catalog(path: Path, lang: str, seed: int, translate: PseudoTranslator,
                 campaign: str) -> None:
    """~80% reviewed, ~10% fuzzy (half with a previous msgid), ~10% untranslated."""
    catalog = read_catalog(path)
    rng = _rng(seed, "fill", campaign, lang)
    for entry in catalog.messages:
        roll = rng.random()
        if roll < 0.8:
            entry.msgstr = translate(entry.msgid)
        elif roll < 0.9:
            entry.msgstr = translate(entry.msgid)
            entry.fuzzy = True
            if rng.random() < 0.5:
                entry.previous_msgid = _small_edit(rng, entry.msgid)
    path.write_bytes(dump_catalog(catalog, 79))


def handbill(project: Path, *args: str) -> None:
    exe = Path(sys.executable).parent / "handbill"
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "pipeline"]
    subprocess.run([*cmd, "--project", str(project), *args], check=True,
                   stdout=subprocess.DEVNULL, env=_env())


def _env() -> dict:
    import os
    env = dict(os.environ)
    env["SOURCE_DATE_EPOCH"] = "1767225600"  # reproducible headers (2026-01-01)
    return env


def build(scale_name: str, seed: int = DEFAULT_SEED, out: Path = DEFAULT_OUT,
          force: bool = False) -> Path:
    """Build (or reuse) the corpus for a scale; returns its folder."""
    scale = SCALES[scale_name]
    root = out / scale_name
    stamp = json.dumps({"version": GENERATOR_VERSION, "seed": seed, "scale": scale.__dict__})
    if not force and (root / "STAMP").is_file() and (root / "STAMP").read_text() == stamp:
        return root
    if root.exists():
        shutil.rmtree(root)
    languages = list(LOCALES[: scale.languages])
    v1, v2 = root / "v1", root / "v2"
    write_config(v1, languages)
    for index in range(1, scale.campaigns + 1):
        campaign = make_campaign(seed, index, scale.messages)
        write_campaign(v1 / "source", campaign)
        write_campaign(v2 / "source", edit_campaign(seed, campaign, scale.messages))
    # Campaigns named explicitly: the corpus holds their catalogs only, not handbill's own `ui`.
    only = [arg for index in range(1, scale.campaigns + 1)
            for arg in ("-c", campaign_name(index))]
    handbill(v1, "extract", *only)
    handbill(v1, "update", *only)
    for lang in languages:
        translate = PseudoTranslator(lang, seed)
        for po in sorted((v1 / "locales" / lang / "LC_MESSAGES").glob("*.po")):
            fill_catalog(po, lang, seed, translate, po.stem)
    (root / "STAMP").write_text(stamp)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scale", choices=sorted(SCALES))
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--force", action="store_true", help="rebuild even if up to date")
    args = parser.parse_args(argv)
    print(build(args.scale, args.seed, args.out, args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())

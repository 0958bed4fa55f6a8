"""Regenerate netbuilder/resources/data/sentences.csv: 480 short English sentences, each labelled
with its topic (sport, weather, food, technology), for the text templates.

    python -m tools.make_sentences          # prints a few
    python -m tools.make_sentences --write  # writes the file

Written here from the phrase lists below (no outside text, so no licence question); seeded, so
the file is the same on every run. Every topic shares the framing words ("yesterday", "the
news said", "really") so that a model must read the topic words, not the sentence shape."""

from __future__ import annotations

import argparse
import csv
import io
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "netbuilder" / "resources" / "data" / "sentences.csv"
PER_TOPIC = 120

TOPICS = {
    "sport": {
        "subject": ["the home team", "our striker", "the young goalkeeper", "the coach",
                    "the tennis champion", "the cycling team", "the captain", "the runners"],
        "verb": ["won the final", "lost the derby", "scored twice", "missed a penalty",
                 "broke the record", "trained all week", "reached the semi final",
                 "signed a new contract"],
        "detail": ["in front of a full stadium", "after extra time", "despite an injury",
                   "in the last minute", "at the world cup", "against the league leaders"],
    },
    "weather": {
        "subject": ["heavy rain", "a cold front", "the storm", "thick fog", "the heatwave",
                    "strong wind", "fresh snow", "the sunshine"],
        "verb": ["flooded the valley", "closed the roads", "is expected tomorrow",
                 "brought thunder", "kept temperatures low", "melted by noon",
                 "cleared the clouds", "delayed the trains"],
        "detail": ["along the coast", "across the north", "over the mountains",
                   "for the whole weekend", "after a dry month", "with gusts at night"],
    },
    "food": {
        "subject": ["the new bakery", "my grandmother", "the chef", "the street market",
                    "the pizza place", "our kitchen", "the soup", "the vegetarian menu"],
        "verb": ["sells fresh bread", "cooked a spicy curry", "tastes of garlic",
                 "serves the best pasta", "burned the cake", "ran out of cheese",
                 "added more salt", "baked apple pie"],
        "detail": ["with a glass of wine", "for the dinner party", "with roasted vegetables",
                   "on sunday morning", "with fresh herbs", "before the lunch rush"],
    },
    "technology": {
        "subject": ["the new phone", "the software update", "the laptop", "our server",
                    "the startup", "the robot", "the app", "the graphics card"],
        "verb": ["crashed twice", "runs much faster", "drains the battery",
                 "fixed the security bug", "launched a chatbot", "needs more memory",
                 "supports wireless charging", "lost our files"],
        "detail": ["after the update", "on the first day", "with the latest chip",
                   "in the cloud", "without a cable", "according to the developers"],
    },
}
OPENERS = ["", "yesterday ", "the news said ", "i heard that ", "this morning ", "apparently "]
CLOSERS = ["", " again", " really", " as usual", " this time"]


def sentences(seed: int = 0) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    rows = []
    for topic, words in TOPICS.items():
        seen = set()
        while len(seen) < PER_TOPIC:
            text = (rng.choice(OPENERS) + rng.choice(words["subject"]) + " "
                    + rng.choice(words["verb"]) + rng.choice(CLOSERS))
            if rng.random() < 0.6:
                text += " " + rng.choice(words["detail"])
            text = text[0].upper() + text[1:] + "."
            if text not in seen:
                seen.add(text)
                rows.append((text, topic))
    rng.shuffle(rows)
    return rows


def csv_text(rows: list[tuple[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["sentence", "topic"])
    writer.writerows(rows)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rows = sentences()
    for text, topic in rows[:8]:
        print(f"{topic:<11} {text}")
    if args.write:
        OUT.write_text(csv_text(rows), encoding="utf-8")
        print(f"wrote {OUT}: {len(rows)} sentences")


if __name__ == "__main__":
    main()

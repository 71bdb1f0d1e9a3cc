"""Check every bundled knowledge-base passage for hidden instructions and ship the digests of the clean ones.

Run after changing the injection rules or the bundled pages (a unit test fails until you do):

    python scripts/screen_bundled_passages.py
"""

from medchat.assistant.passage_screen import build

if __name__ == "__main__":
    print(f"wrote {build()}")

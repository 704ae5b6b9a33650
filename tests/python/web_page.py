"""kokorod's web page in a real browser: Debian's Chromium, headless, driven by Selenium.

Usage: web_page.py BASE_URL API_KEY SCREENSHOT_DIR

Opens the page, gives it the API key (a wrong one first), waits for the voice list,
speaks (streamed PCM played through Web Audio, streamed MP3 through Media Source
Extensions, Opus decoded whole), a mix, an unknown voice (from the keyboard), a
comparison of two voices, and watches the metrics panel count them.
Saves screenshots at desktop and phone widths. Chromium touches 127.0.0.1 only: no
proxy, no background networking, every other host name fails to resolve.
"""

import os
import sys
import tempfile
import time

os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not download drivers
os.environ.setdefault("SE_AVOID_STATS", "true")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

BASE, KEY, SHOTS = sys.argv[1], sys.argv[2], sys.argv[3]
WAIT = 60  # seconds for anything the page waits on (a guard against hangs, not a timing check)


def browser(profile):
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for flag in [
        "--headless=new",
        "--no-sandbox",  # runs as root in CI
        "--disable-dev-shm-usage",
        "--autoplay-policy=no-user-gesture-required",
        "--no-proxy-server",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-domain-reliability",
        "--disable-client-side-phishing-detection",
        "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
        "--no-first-run",
        "--no-default-browser-check",
        "--metrics-recording-only",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ]:
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=opts)


def until(driver, what, check):
    try:
        return WebDriverWait(driver, WAIT, poll_frequency=0.05).until(lambda d: check())
    except Exception as e:
        raise AssertionError(f"timed out waiting for {what}") from e


def data(driver, el_id):
    return driver.execute_script(
        "return Object.assign({}, document.getElementById(arguments[0]).dataset)", el_id
    )


def set_value(driver, el_id, value):
    el = driver.find_element(By.ID, el_id)
    el.clear()
    el.send_keys(value)


def speak_and_wait(driver, el_id="result"):
    driver.find_element(By.ID, "speak").click()
    until(driver, f"#{el_id} to leave 'speaking'",
          lambda: data(driver, el_id).get("state") in ("done", "error"))
    return data(driver, el_id)


def check_speech(name, d):
    assert d.get("state") == "done", f"{name}: {d}"
    first, dur, rtf = float(d["firstAudioMs"]), float(d["durationS"]), float(d["rtf"])
    assert first > 0 and rtf > 0, f"{name}: {d}"
    print(f"{name}: first audio {first:.0f} ms, {dur:.2f} s of audio, RTF {rtf:.2f}")
    return first, dur, rtf


def shot(driver, name, width, height):
    driver.set_window_size(width, height)
    full = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, max(height, full + 140))
    path = os.path.join(SHOTS, name)
    driver.save_screenshot(path)
    print(f"screenshot: {path}")


def main():
    os.makedirs(SHOTS, exist_ok=True)
    with tempfile.TemporaryDirectory() as profile:
        driver = browser(profile)
        try:
            run(driver)
        finally:
            driver.quit()


def run(driver):
    driver.get(BASE + "/")
    assert driver.title == "kokorod", driver.title

    # Every control has a label (screen readers, and a click on the label focuses it).
    unlabelled = driver.execute_script(
        "return [...document.querySelectorAll('input, select, textarea')]"
        ".filter(e => !e.labels || e.labels.length === 0).map(e => e.id)"
    )
    assert not unlabelled, f"controls without a label: {unlabelled}"

    # The API needs a key: the page asks, refuses a wrong one, takes the right one.
    until(driver, "the key prompt", lambda: driver.find_element(By.ID, "key-panel").is_displayed())
    set_value(driver, "api-key", "sk-wrong")
    driver.find_element(By.ID, "api-key").send_keys(Keys.ENTER)
    until(driver, "the wrong key's error",
          lambda: "Incorrect API key" in driver.find_element(By.ID, "key-error").text)
    set_value(driver, "api-key", KEY)
    driver.find_element(By.ID, "api-key").send_keys(Keys.ENTER)
    until(driver, "the voice list", lambda: int(data(driver, "voice").get("count", "0")) > 0)
    assert not driver.find_element(By.ID, "key-panel").is_displayed()
    count = int(data(driver, "voice")["count"])
    groups = driver.execute_script(
        "return [...document.querySelectorAll('#voice optgroup')].map(g => g.label)"
    )
    assert len(groups) >= 2 and any("en-US" in g for g in groups), groups
    print(f"voices: {count} in {len(groups)} languages")
    # The key lives in the page's memory only.
    stored = driver.execute_script(
        "return localStorage.length + sessionStorage.length + document.cookie.length"
    )
    assert stored == 0, stored

    # Speak: streamed PCM, played as it arrives; the whole of it plays out.
    set_value(driver, "text", "Hello from the browser.")
    d = speak_and_wait(driver)
    _, dur, _ = check_speech("pcm", d)
    assert d.get("playback") == "web-audio", d
    assert 0.8 < dur < 8, d
    until(driver, "the audio to finish playing", lambda: data(driver, "result").get("ended") == "true")
    assert driver.find_element(By.ID, "download").is_displayed()

    # Opus: fetched whole, decoded by the browser.
    driver.find_element(By.ID, "format").send_keys("Opus")
    assert driver.find_element(By.ID, "format").get_attribute("value") == "opus"
    set_value(driver, "text", "Opus.")
    d = speak_and_wait(driver)
    _, dur, _ = check_speech("opus", d)
    assert d.get("playback") == "decoded", d
    assert 0.3 < dur < 8, d

    # MP3: streamed into a MediaSource, played by an <audio> element to its end.
    driver.find_element(By.ID, "format").send_keys("MP3")
    assert driver.find_element(By.ID, "format").get_attribute("value") == "mp3"
    set_value(driver, "text", "MP3.")
    d = speak_and_wait(driver)
    _, dur, _ = check_speech("mp3", d)
    assert d.get("playback") == "media-source", d
    assert 0.3 < dur < 8, d
    until(driver, "the MP3 to finish playing", lambda: data(driver, "result").get("ended") == "true")
    driver.find_element(By.ID, "format").send_keys("PCM")

    # A mix: the builder writes the weighted voice, the daemon speaks it.
    driver.find_element(By.CSS_SELECTOR, "#mix summary").click()
    spec = driver.find_element(By.ID, "voice-spec").get_attribute("value")
    assert "(2)+" in spec and spec.endswith("(1)"), spec
    set_value(driver, "text", "A mixed voice.")
    d = speak_and_wait(driver)
    check_speech(f"mix {spec}", d)
    assert d.get("voice") == spec, d

    # An unknown voice, asked for from the keyboard (Ctrl+Enter in the text): the
    # daemon's error, shown as such.
    set_value(driver, "voice-spec", "zz_nobody")
    driver.find_element(By.ID, "text").send_keys(Keys.CONTROL, Keys.ENTER)
    until(driver, "Ctrl+Enter to send the request",
          lambda: data(driver, "result").get("voice") == "zz_nobody"
          and data(driver, "result").get("state") in ("done", "error"))
    d = data(driver, "result")
    assert d.get("state") == "error" and d.get("errorCode") == "unknown_voice", d
    text = driver.find_element(By.ID, "result").text
    assert "unknown_voice" in text and "zz_nobody" in text, text
    print(f"unknown voice: {text}")

    # Compare: the same sentence in two voices.
    set_value(driver, "text", "Which one?")
    a, b = (driver.find_element(By.ID, i).get_attribute("value") for i in ("voice-a", "voice-b"))
    assert a and b and a != b, (a, b)
    driver.find_element(By.ID, "compare").click()
    until(driver, "both sides of the comparison",
          lambda: all(data(driver, f"result-{s}").get("state") in ("done", "error") for s in "ab"))
    for side, voice in (("a", a), ("b", b)):
        check_speech(f"compare {side} {voice}", data(driver, f"result-{side}"))
    assert driver.find_element(By.ID, "replay-b").is_enabled()

    # The metrics panel counts what happened: 7 speech requests, the unknown voice's
    # error, and charts first-audio times.
    until(driver, "the metrics panel to count the requests",
          lambda: int(data(driver, "metrics").get("speechRequests", "0")) >= 7
          and int(data(driver, "chart").get("points", "0")) >= 1)
    m = data(driver, "metrics")
    assert int(m["errors"]) >= 1, m
    assert int(m["requests"]) >= int(m["speechRequests"]), m
    print(f"metrics panel: {m}, chart points {data(driver, 'chart')['points']}")
    print(f"health: {driver.find_element(By.ID, 'health').text}")

    shot(driver, "page-desktop.png", 1280, 900)
    driver.set_window_size(390, 844)
    overflow = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the phone layout scrolls sideways by {overflow} px"
    shot(driver, "page-phone.png", 390, 844)

    # Nothing the page did was refused by the browser (CSP) or broke its script; the
    # 4xx answers asked for above are expected.
    problems = [
        e["message"] for e in driver.get_log("browser")
        if e["level"] == "SEVERE" and "status of 40" not in e["message"]
    ]
    assert not problems, problems
    print("page: ok")


if __name__ == "__main__":
    main()

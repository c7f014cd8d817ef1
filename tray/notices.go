package tray

import (
	"fmt"
	"strconv"
	"time"
)

// The notices lagp shows. Keys carry the event kind and its subject; see [Notice].

const signInHint = "Choose “Sign in with ChatGPT…” in the lagp menu, or run `lagp login`."

func noticeSignedIn(email string, at time.Time) Notice {
	return Notice{
		Key:   "signed-in:" + email + ":" + unix(at),
		Title: "Signed in to ChatGPT",
		Body:  "lagp now serves as " + email + ". Copy the base URL from the lagp menu.",
	}
}

func noticeRefreshed(email string, at time.Time) Notice {
	return Notice{
		Key:   "refreshed:" + unix(at),
		Title: "ChatGPT session renewed",
		Body:  "lagp renewed the session of " + email + ".",
	}
}

func noticeRefreshFailing(reason string, at time.Time) Notice {
	body := "lagp could not renew the ChatGPT session"
	if reason != "" {
		body += " (" + reason + ")"
	}
	return Notice{
		Key:   "refresh-failing:" + unix(at),
		Title: "ChatGPT session renewal failing",
		Body:  body + ". It keeps trying while the current sign-in still works.",
	}
}

func noticeExpiringSoon(expires time.Time, loc *time.Location) Notice {
	when := "within a day"
	if !expires.IsZero() {
		when = "at " + expires.In(loc).Format("Mon 15:04")
	}
	return Notice{
		Key:   "expiring:" + unix(expires),
		Title: "ChatGPT session expiring",
		Body:  "The session ends " + when + " and could not be renewed. " + signInHint,
	}
}

func noticeSignedOut(reason string, at time.Time) Notice {
	body := "lagp is signed out of ChatGPT"
	if reason != "" {
		body += ": " + reason
	}
	return Notice{
		Key:   "signed-out:" + unix(at),
		Title: "Signed out of ChatGPT",
		Body:  body + ". " + signInHint,
	}
}

// usageNotices returns the notices due for the usage windows: one when a window reaches 90%
// and one when it is used up, each once per window and reset time.
func usageNotices(ws []Window, loc *time.Location) []Notice {
	var out []Notice
	for _, w := range sortedWindows(ws) {
		subject := w.Limit + ":" + strconv.Itoa(w.Minutes) + ":" + unix(w.ResetsAt)
		name := windowName(w.Minutes) + " limit"
		resets := ""
		if !w.ResetsAt.IsZero() {
			resets = " It resets " + resetTime(w, loc) + "."
		}
		switch {
		case w.UsedPercent >= 100:
			out = append(out, Notice{
				Key:   "limit:" + subject,
				Title: "ChatGPT usage limit reached",
				Body:  "The " + name + " is used up; requests fail until it resets." + resets,
			})
		case w.UsedPercent >= 90:
			out = append(out, Notice{
				Key:   "usage90:" + subject,
				Title: "ChatGPT usage at " + percent(w.UsedPercent) + "%",
				Body:  usageLabel(w, loc) + ".",
			})
		}
	}
	return out
}

func noticeExposed(url string) Notice {
	return Notice{
		Key:   "lan:" + url,
		Title: "lagp is on your local network",
		Body: "Other devices can use " + url + "/v1 with your lagp API key " +
			"(“Copy API key” in the menu).",
	}
}

func noticeTunnelReady(url string) Notice {
	return Notice{
		Key:   "tunnel:" + url,
		Title: "Public URL ready",
		Body: url + "/v1 is on the clipboard. Paste it into Cursor as the OpenAI base URL, " +
			"with your lagp API key as the key.",
	}
}

func noticePushed(remote string) Notice {
	return Notice{
		Title: "Sign-in pushed",
		Body:  remote + " now uses the ChatGPT sign-in you just completed.",
	}
}

func noticePushFailed(remote string, err error) Notice {
	return Notice{
		Title: "Push to " + remote + " failed",
		Body:  err.Error(),
	}
}

func noticePortInUse(port int, still string) Notice {
	body := fmt.Sprintf("Another program uses port %d.", port)
	if still != "" {
		body += " lagp keeps serving on " + still + "."
	}
	return Notice{
		Key:   "port-in-use:" + strconv.Itoa(port),
		Title: fmt.Sprintf("Port %d is already in use", port),
		Body:  body + " Choose another port in Settings.",
	}
}

// noticeFailed reports a failed menu action.
func noticeFailed(what string, err error) Notice {
	return Notice{Title: what + " failed", Body: err.Error()}
}

func unix(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.Unix(), 10)
}

#!/bin/sh
# screenshots.sh — photograph lagp's tray icon and menu in a real panel, for the README.
#
# Runs everything on a virtual display: Xvfb, an xfce4-panel whose systray plugin is a
# StatusNotifierItem host, and lagp signed in to a demo account served by a fake backend
# (build/demo), so the menu shows an account, models and usage lines. Nothing touches the
# network, the user's settings or the user's session bus; for the last pictures lagp is
# exposed on the local network for a few seconds, behind an API key.
#
# Needs: go, Xvfb, xfce4-panel, xfconf, xfce4-notifyd, dbus-x11 (dbus-run-session),
# imagemagick (import, convert), xdotool, x11-utils (xdpyinfo). On Debian 12:
#   apt-get install -y --no-install-recommends xvfb xfce4-panel imagemagick xdotool \
#     x11-utils xfce4-notifyd dbus-x11 xfconf
#
# Usage: build/screenshots.sh [output-dir]   (default build/screenshots)
# Environment: LAGP_PORT (default 11434), SCREEN_DISPLAY (default :99).
set -eu

# The icon's fill colour in the signed-in state (assets/gen), used to find it on screen.
ICON_RGB="1FA85B"

if [ "${1:-}" = "--inner" ]; then
	inner=1
	shift
else
	inner=0
fi

repo=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$repo/build/screenshots}

log() { printf 'screenshots: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

# wait_for CMD... polls CMD for up to 20 s.
wait_for() {
	i=0
	until "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ "$i" -lt 200 ] || return 1
		sleep 0.1
	done
}

outer() {
	for tool in go Xvfb xfce4-panel import convert xdotool xdpyinfo dbus-run-session dbus-send; do
		command -v "$tool" >/dev/null 2>&1 || die "$tool not installed (see the header of $0)"
	done
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	log "building lagp and the demo helper in $work"
	(cd "$repo" && CGO_ENABLED=0 go build -o "$work/lagp" . &&
		go build -o "$work/demo" ./build/demo)

	# Export the whole environment before the bus starts: services it activates
	# (xfconfd, xfce4-notifyd) inherit the bus daemon's environment, not ours (P8).
	export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" \
		XDG_CACHE_HOME="$work/home/.cache" XDG_STATE_HOME="$work/home/.local/state" \
		XDG_RUNTIME_DIR="$work/run" DISPLAY="${SCREEN_DISPLAY:-:99}" NO_AT_BRIDGE=1 \
		LAGP_WORK="$work" LAGP_OUT="$out"
	mkdir -p "$XDG_RUNTIME_DIR" "$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml" "$out"
	chmod 700 "$XDG_RUNTIME_DIR"
	panel_config >"$XDG_CONFIG_HOME/xfce4/xfconf/xfce-perchannel-xml/xfce4-panel.xml"
	dbus-run-session -- "$0" --inner "$out"
}

# panel_config is a one-panel layout: a spacer, the systray (SNI host) and a clock.
panel_config() {
	cat <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<channel name="xfce4-panel" version="1.0"><property name="configver" type="int" value="2"/>
  <property name="panels" type="array"><value type="int" value="1"/>
    <property name="panel-1" type="empty">
      <property name="position" type="string" value="p=6;x=0;y=0"/>
      <property name="position-locked" type="bool" value="true"/>
      <property name="length" type="uint" value="100"/><property name="size" type="uint" value="32"/>
      <property name="icon-size" type="uint" value="24"/><property name="plugin-ids" type="array">
        <value type="int" value="1"/><value type="int" value="2"/><value type="int" value="3"/>
  </property></property></property>
  <property name="plugins" type="empty">
    <property name="plugin-1" type="string" value="separator"><property name="expand" type="bool"
      value="true"/><property name="style" type="uint" value="0"/></property>
    <property name="plugin-2" type="string" value="systray"><property name="square-icons"
      type="bool" value="true"/></property>
    <property name="plugin-3" type="string" value="clock"/></property></channel>
XML
}

has_owner() {
	dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus.NameHasOwner "string:$1" | grep -q 'boolean true'
}

# menu_layout prints lagp's dbusmenu layout, found through the panel's watcher.
menu_layout() {
	item=$(dbus-send --session --print-reply --dest=org.kde.StatusNotifierWatcher \
		/StatusNotifierWatcher org.freedesktop.DBus.Properties.Get \
		string:org.kde.StatusNotifierWatcher string:RegisteredStatusNotifierItems |
		grep -o '":[0-9.]*/StatusNotifierItem"' | head -n 1 | tr -d '"')
	[ -n "$item" ] || return 1
	dbus-send --session --print-reply --dest="${item%%/*}" /StatusNotifierItem/menu \
		com.canonical.dbusmenu.GetLayout int32:0 int32:-1 array:string:
}

menu_shows() { menu_layout | grep -q "$1"; }

# icon_position prints "X Y" of the first pixel of the icon colour in the panel strip.
icon_position() {
	import -window root -crop 800x32+0+0 +repage "$LAGP_WORK/strip.png"
	convert "$LAGP_WORK/strip.png" txt:- | grep -i "#$ICON_RGB" | head -n 1 |
		sed 's/^\([0-9]*\),\([0-9]*\):.*/\1 \2/' | grep .
}

shot() { import -window root "$LAGP_OUT/$1"; log "wrote $LAGP_OUT/$1"; }

inner() {
	work=$LAGP_WORK
	Xvfb "$DISPLAY" -screen 0 800x500x24 -nolisten tcp -noreset >/dev/null 2>&1 &
	xvfb=$!
	trap 'kill $lagp $demo $panel $xvfb 2>/dev/null || true' EXIT
	lagp='' demo='' panel=''
	wait_for xdpyinfo || die "Xvfb did not start on $DISPLAY"
	xfce4-panel >/dev/null 2>&1 &
	panel=$!
	wait_for has_owner org.kde.StatusNotifierWatcher || die "the panel's systray did not start"

	"$work/demo" -home "$work/lagp-home" >"$work/backend-url" &
	demo=$!
	wait_for test -s "$work/backend-url" || die "the demo backend did not start"

	LAGP_HOME="$work/lagp-home" LAGP_BACKEND_URL=$(cat "$work/backend-url") \
		LAGP_AUTH_URL="http://127.0.0.1:9" LAGP_TOKEN_STORE=file LAGP_BROWSER=true \
		"$work/lagp" --port "${LAGP_PORT:-11434}" >"$work/lagp.out" 2>&1 &
	lagp=$!
	# The usage lines appear once lagp has polled the limits the backend reported.
	wait_for menu_shows "5-hour limit" || die "lagp's menu never showed usage"
	wait_for icon_position || { cp "$work/strip.png" "$LAGP_OUT/strip-debug.png"; die "the lagp icon was not painted"; }
	set -- $(icon_position)
	x=$(($1 + 6)) y=$(($2 + 6))

	xdotool mousemove "$x" "$y"
	sleep 1.5
	shot tooltip.png
	convert "$LAGP_OUT/tooltip.png" -crop 800x120+0+0 +repage "$LAGP_OUT/tooltip.png"

	xdotool click 1
	sleep 1.2
	shot menu.png

	# Keyboard navigation skips separators and disabled items: Sign out, Copy base URL,
	# Copy API key, Models.
	xdotool key --delay 80 Down Down Down Down Right
	sleep 1
	shot menu-models.png
	xdotool key --delay 80 Escape Escape
	import -window root -crop 800x32+0+0 +repage "$LAGP_OUT/panel.png"
	log "wrote $LAGP_OUT/panel.png"

	# Expose on local network (the fifth enabled item): the icon turns blue and
	# xfce4-notifyd shows the LAN address. lagp listens on all interfaces for these few
	# seconds, behind the API key it creates.
	xdotool mousemove "$x" "$y" click 1
	sleep 1.2
	xdotool key --delay 80 Down Down Down Down Down Return
	wait_for menu_shows "Listening on http://[0-9.]*:" || die "exposure did not take effect"
	xdotool mousemove 100 400 # away from the icon, so no tooltip covers the bubble
	sleep 1.5
	shot notification.png
	convert "$LAGP_OUT/notification.png" -crop 800x160+0+0 +repage "$LAGP_OUT/notification.png"
	sleep 5 # the bubble expires after 5 s and would cover the menu
	xdotool mousemove "$x" "$y" click 1
	sleep 1.2
	shot menu-exposed.png
	xdotool key Escape
}

if [ "$inner" = 1 ]; then
	inner
else
	outer
fi

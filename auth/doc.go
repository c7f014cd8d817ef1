// Package auth signs lagp in to ChatGPT and keeps that sign-in alive.
//
// The pieces, from the bottom up:
//
//   - [Tokens] is one sign-in (id, access and refresh token plus the ChatGPT account id), read
//     and written in the Codex CLI's auth.json layout by [MarshalAuthJSON] and
//     [UnmarshalAuthJSON]. [ParseAccount] decodes the JWT claims lagp needs (email, plan,
//     account id, expiry); nobody checks token signatures, the issuer is trusted over TLS.
//   - A [Store] keeps one sign-in on disk: the "file" store is $LAGP_HOME/auth.json, the
//     "keyring" store keeps a random key in the OS keyring and the tokens encrypted with it in
//     $LAGP_HOME/auth.enc. [OpenStore] picks one ("auto" prefers the keyring) and imports an
//     auth.json that a user copied in.
//   - The [Manager] is the session: it hands out access tokens to the proxy, refreshes them
//     before they expire (single-flight, persisted before use), classifies refresh failures as
//     permanent or transient, and reports what happens as [Event] values for the tray.
//
// The browser sign-in, /login, sign-in push and the auth subcommands live in the same package
// (oauth.go, login*.go, sync*.go, cli*.go). Package auth/authtest holds a fake issuer for tests.
//
// No token ever reaches a log line, an error message or a URL: [Tokens] masks itself when
// printed, and errors carry only the issuer's error codes.
package auth

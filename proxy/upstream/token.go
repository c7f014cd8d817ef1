package upstream

import "context"

// TokenSource hands out the credentials for backend calls. The auth package's session manager
// implements it; tests use small fakes.
//
// Errors from a TokenSource that mean the user must sign in again implement
// `SignInRequired() bool` returning true; the proxy answers them with 401 and the error's text,
// which says how to sign in. Any other error is a transient failure (502).
type TokenSource interface {
	// AccessToken returns a currently valid access token and the ChatGPT account id, refreshing
	// first when the token is within its refresh margin.
	AccessToken(ctx context.Context) (token, accountID string, err error)
	// Renew is called after the backend rejected token with 401. It reloads the store and, if
	// the stored token is still the rejected one, refreshes it (single-flight), then returns the
	// new credentials.
	Renew(ctx context.Context, rejected string) (token, accountID string, err error)
}

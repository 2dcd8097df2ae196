package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/cairnhq/cairn"
)

func (e *environment) user(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(e.stderr, "Usage: cairn user create --username U [--name N] [--email E] [--admin] [--password-stdin]")
		return errUsage
	}
	f := e.newFlags("user create", "user create --username U [--name N] [--email E] [--admin] [--password-stdin]")
	db := f.dbFlag()
	username := f.FlagSet.String("username", "", "username (required)")
	name := f.FlagSet.String("name", "", "full name (default: the username)")
	email := f.FlagSet.String("email", "", "e-mail address")
	admin := f.FlagSet.Bool("admin", false, "make the user an instance administrator")
	pwStdin := f.FlagSet.Bool("password-stdin", false, "read the password from standard input (without it the user signs in only with tokens)")
	if err := f.parse(args[1:]); err != nil {
		return helpOK(err)
	}
	c := cairn.UserCreate{Username: *username, Name: *name, Email: *email, IsAdmin: *admin}
	if *pwStdin {
		pw, err := readSecret(e.stdin)
		if err != nil {
			return err
		}
		c.Password = pw
	}
	if err := c.Validate(); err != nil {
		return err
	}
	s, err := e.openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.CreateUser(ctx, c)
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	role := "user"
	if u.IsAdmin {
		role = "administrator"
	}
	fmt.Fprintf(e.stderr, "created %s %s (id %d)\n", role, u.Username, u.ID)
	return nil
}

func (e *environment) token(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(e.stderr, "Usage: cairn token create --username U [--name LABEL] [--scopes api|read_api] [--expires-at YYYY-MM-DD]")
		return errUsage
	}
	f := e.newFlags("token create", "token create --username U [--name LABEL] [--scopes api|read_api] [--expires-at YYYY-MM-DD]")
	db := f.dbFlag()
	username := f.FlagSet.String("username", "", "the token's user (required)")
	name := f.FlagSet.String("name", "cli", "a label that says what the token is for")
	scopes := f.FlagSet.String("scopes", "api", "comma-separated scopes: api (read and write) or read_api")
	expires := f.FlagSet.String("expires-at", "", "last day the token works (default: never expires)")
	if err := f.parse(args[1:]); err != nil {
		return helpOK(err)
	}
	if *username == "" {
		return cairn.Missing("--username")
	}
	s, err := e.openStore(ctx, *db, nil)
	if err != nil {
		return err
	}
	defer s.Close()
	u, err := s.UserByUsername(ctx, *username)
	if err != nil {
		return fmt.Errorf("user %s: %w", *username, err)
	}
	tc := cairn.TokenCreate{UserID: u.ID, Name: *name, Scopes: strings.Split(*scopes, ","), ExpiresAt: *expires}
	if err := tc.Validate(); err != nil {
		return err
	}
	_, secret, err := s.CreateToken(ctx, tc)
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	// Only the token on stdout, so that scripts can capture it.
	fmt.Fprintln(e.stdout, secret)
	return nil
}

// helpOK turns "help was shown" into success.
func helpOK(err error) error {
	if err == errHelp {
		return nil
	}
	return err
}

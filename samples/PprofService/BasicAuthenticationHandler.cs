using System.Net.Http.Headers;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace PprofService;

/// <summary>
/// HTTP Basic authentication against one user name and password from configuration (<c>Diagnostics:User</c>,
/// <c>Diagnostics:Password</c>): what scrapers speak (Pyroscope's and Parca's <c>basic_auth</c>, and
/// <c>go tool pprof http://user:password@host/...</c>). Use it over HTTPS, or on a port only the scraper reaches.
/// </summary>
internal sealed class BasicAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IConfiguration configuration)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Basic";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? user = configuration["Diagnostics:User"];
        string? password = configuration["Diagnostics:Password"];
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(password))
        {
            return Task.FromResult(AuthenticateResult.Fail("Diagnostics:User and Diagnostics:Password are not configured"));
        }

        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out AuthenticationHeaderValue? header)
            || !string.Equals(header.Scheme, SchemeName, StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        byte[] given;
        try
        {
            given = Convert.FromBase64String(header.Parameter);
        }
        catch (FormatException)
        {
            return Task.FromResult(AuthenticateResult.Fail("malformed Basic credentials"));
        }

        // Constant-time: the comparison must not tell how much of a guess was right.
        if (!CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(user + ":" + password)))
        {
            return Task.FromResult(AuthenticateResult.Fail("wrong user name or password"));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, user)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = "Basic realm=\"diagnostics\", charset=\"UTF-8\"";
        return base.HandleChallengeAsync(properties);
    }
}

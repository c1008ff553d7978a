using Cualify.Appliance.Dialer.Sip.Auth;

namespace Cualify.Appliance.Dialer.Tests.Sip;

public sealed class DigestTests
{
    [Fact]
    public void MD5_matches_the_RFC_2617_section_3_5_example()
    {
        var response = DigestAuthorization.Response(
            "MD5", "Mufasa", "testrealm@host.com", "Circle Of Life", "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            "GET", "/dir/index.html", "auth", "0a4f113b", "00000001");

        Assert.Equal("6629fae49393a05397450978507c4ef1", response);
    }

    [Theory]
    [InlineData("MD5", "8ca523f5e9506fed4657c9700eebdbec")]
    [InlineData("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1")]
    public void MD5_and_SHA_256_match_the_RFC_7616_section_3_9_1_example(string algorithm, string expected)
    {
        var response = DigestAuthorization.Response(
            algorithm, "Mufasa", "http-auth@example.org", "Circle of Life", "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            "GET", "/dir/index.html", "auth", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "00000001");

        Assert.Equal(expected, response);
    }

    [Fact]
    public void A_challenge_parses_with_quoted_and_bare_values()
    {
        Assert.True(DigestChallenge.TryParse(
            "Digest realm=\"atlanta.com\", domain=\"sip:boxesbybob.com\", qop=\"auth,auth-int\", nonce=\"f84f1cec41e6cbe5aea9c8e88d359\", opaque=\"\", stale=FALSE, algorithm=SHA-256",
            out var challenge));

        Assert.Equal("atlanta.com", challenge.Realm);
        Assert.Equal("f84f1cec41e6cbe5aea9c8e88d359", challenge.Nonce);
        Assert.Equal(["auth", "auth-int"], challenge.Qop);
        Assert.Equal("SHA-256", challenge.Algorithm);
        Assert.Equal("", challenge.Opaque);
        Assert.False(challenge.Stale);
        Assert.True(challenge.IsSupported);
    }

    [Theory]
    [InlineData("Basic realm=\"x\"")]
    [InlineData("Digest nonce=\"n\"")]
    [InlineData("Digest realm=\"unterminated, nonce=\"n\"")]
    public void Non_digest_or_incomplete_challenges_do_not_parse(string header)
    {
        Assert.False(DigestChallenge.TryParse(header, out _));
    }

    [Fact]
    public void The_authorization_header_carries_what_the_server_needs_to_check_it()
    {
        DigestChallenge.TryParse("Digest realm=\"r\", nonce=\"n\", qop=\"auth\", opaque=\"o\", algorithm=MD5", out var challenge);

        var header = DigestAuthorization.Header(challenge!, "alice", "secret", "INVITE", "sip:bob@h", nonceCount: 1, cnonce: "c0");

        var expected = DigestAuthorization.Response("MD5", "alice", "r", "secret", "n", "INVITE", "sip:bob@h", "auth", "c0", "00000001");
        Assert.Equal(
            $"Digest username=\"alice\", realm=\"r\", nonce=\"n\", uri=\"sip:bob@h\", response=\"{expected}\", algorithm=MD5, opaque=\"o\", qop=auth, nc=00000001, cnonce=\"c0\"",
            header);
        Assert.DoesNotContain("secret", header);
    }

    [Fact]
    public void Without_qop_the_RFC_2069_response_is_used()
    {
        var withoutQop = DigestAuthorization.Response("MD5", "u", "r", "p", "n", "INVITE", "sip:x", null, null, null);
        var ha1 = Hex("u:r:p");
        var ha2 = Hex("INVITE:sip:x");

        Assert.Equal(Hex($"{ha1}:n:{ha2}"), withoutQop);

        static string Hex(string s) => Convert.ToHexStringLower(System.Security.Cryptography.MD5.HashData(System.Text.Encoding.UTF8.GetBytes(s)));
    }
}

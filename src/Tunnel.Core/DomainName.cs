using System.Globalization;

namespace Tunnel.Core;

/// <summary>
/// The canonical form host names are compared and written in: lower-case ASCII, internationalised labels in
/// their punycode (A-label) form, no trailing dot. DNS answers already carry A-labels, so only configuration
/// and <c>Explain</c> input go through the IDNA mapping; the lookup path folds ASCII case on the fly.
/// </summary>
public static class DomainName
{
    /// <summary>The longest name in dotted form: RFC 1035 section 2.3.4's 255 octets on the wire.</summary>
    public const int MaxLength = 253;

    /// <summary>The longest label (RFC 1035 section 2.3.4).</summary>
    public const int MaxLabelLength = 63;

    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = false };

    /// <summary>Canonicalises <paramref name="name"/>, or says why it is not a host name.</summary>
    /// <param name="name">A host name, possibly internationalised, possibly with a trailing dot.</param>
    /// <param name="normalized">The canonical form, when the method returns <see langword="true"/>.</param>
    /// <param name="error">Why the text is not a host name, when the method returns <see langword="false"/>.</param>
    /// <returns>Whether <paramref name="name"/> is a host name.</returns>
    public static bool TryNormalize(string name, out string normalized, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(name);
        normalized = string.Empty;
        string trimmed = name.Trim();
        if (trimmed.EndsWith('.'))
        {
            trimmed = trimmed[..^1];
        }

        if (trimmed.Length == 0)
        {
            error = "the name is empty";
            return false;
        }

        string ascii;
        if (System.Text.Ascii.IsValid(trimmed))
        {
            ascii = trimmed.ToLowerInvariant();
        }
        else
        {
            try
            {
                ascii = Idn.GetAscii(trimmed).ToLowerInvariant();
            }
            catch (ArgumentException)
            {
                error = "the name is not a valid internationalised domain name";
                return false;
            }
        }

        if (ascii.Length > MaxLength)
        {
            error = $"the name is {ascii.Length} characters long; at most {MaxLength} fit in a DNS message";
            return false;
        }

        foreach (var label in ascii.Split('.'))
        {
            if (label.Length is 0 or > MaxLabelLength)
            {
                error = label.Length == 0 ? "the name has an empty label" : $"the label '{label}' is longer than {MaxLabelLength} characters";
                return false;
            }

            foreach (char c in label)
            {
                // Underscores appear in service names (_sip._tcp); anything else outside LDH is a typo.
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                {
                    error = $"the label '{label}' has the character '{c}'";
                    return false;
                }
            }
        }

        normalized = ascii;
        error = null;
        return true;
    }

    /// <summary>ASCII lower-casing of one character or byte; other values pass through unchanged.</summary>
    internal static int Fold(int c) => (uint)(c - 'A') <= 'Z' - 'A' ? c | 0x20 : c;
}

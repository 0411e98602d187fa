"""Content negotiation of the site: which representations every described IRI has, the Apache
type map (``{name}.var``) that lists them, and the ``.htaccess`` that hands a request to it.
"""

from __future__ import annotations

from urllib.parse import quote

#: The representations of every described IRI, in the order of preference (qs) for a client
#: that accepts several equally (``Accept: */*`` gets the page).
NEGOTIATED = (("html", "text/html", "1.0"), ("ttl", "text/turtle", "0.9"),
              ("jsonld", "application/ld+json", "0.8"), ("rdf", "application/rdf+xml", "0.7"),
              ("nt", "application/n-triples", "0.6"))
RDF_EXTS = tuple(ext for ext, _media, _qs in NEGOTIATED if ext != "html")

HTACCESS = """\
# Content negotiation for the kzgraph IRIs, written by `kzgraph build`.
#
# Layout: an IRI https://w3id.org/kzgraph/{path} is described by site/{path}.html, .ttl,
# .jsonld, .rdf and .nt (hash IRIs such as https://w3id.org/kzgraph/ontology#Country by the
# files of the part before the '#'), and site/{path}.var, an Apache type map that lists them
# with their media types. Apache (mod_negotiation) picks the one the Accept header asks for,
# q-values included: "text/turtle" gets Turtle, "application/ld+json" JSON-LD,
# "application/rdf+xml" RDF/XML, "application/n-triples" N-Triples, "text/turtle;q=0,
# text/html" and browsers the HTML page, "*/*" the page (its qs is highest); a type nothing
# matches gets 406. A path below a described IRI (id/country/x/foo, the ontology's version
# IRI ontology/1.0.0) is 404.
# Try it: curl -L -H 'Accept: text/turtle' https://w3id.org/kzgraph/id/country/kazakhstan
#
# The permanent IRIs are served by w3id.org: put the following into kzgraph/.htaccess of
# https://github.com/perma-id/w3id.org (replace HOST/PATH by where DIR is published, so
# that HOST/PATH/site/ is this folder and HOST/PATH/kzgraph.ttl is the download). w3id
# redirects (303: the IRIs name things, the site has documents about them) and the client
# repeats its Accept header to this folder, which negotiates:
#
#   Options +FollowSymLinks
#   RewriteEngine on
#   RewriteRule ^dist/(.+)$ https://HOST/PATH/$1 [R=302,L]
#   RewriteRule ^(void|\\.well-known/void)$ https://HOST/PATH/void.ttl [R=303,L]
#   RewriteRule ^((id|vocab)/.+|ontology|shapes)$ https://HOST/PATH/site/$1 [R=303,L]
#   RewriteRule ^$ https://HOST/PATH/site/index.html [R=302,L]
#
# Needs mod_rewrite, mod_negotiation, mod_mime (and mod_headers for CORS) and
# "AllowOverride All" (at least FileInfo, Indexes, Options) for this folder.

Options -MultiViews -Indexes
# A concept scheme's page vocab/X.html sits beside the folder vocab/X/ of its concepts: no
# slash redirect for vocab/X.
DirectorySlash Off
DirectoryIndex index.html
AddType text/turtle .ttl
AddType application/ld+json .jsonld
AddType application/rdf+xml .rdf
AddType application/n-triples .nt
AddCharset UTF-8 .ttl .jsonld .nt .html
AddHandler type-map .var
<IfModule mod_headers.c>
  Header set Access-Control-Allow-Origin "*"
</IfModule>

RewriteEngine on
# {path} -> {path}.var when the type map exists and nothing follows {path} (no PATH_INFO).
RewriteCond %{PATH_INFO} ^$
RewriteCond %{REQUEST_FILENAME}.var -f
RewriteRule ^(.+)$ $1.var [L]
"""


def type_map(name: str) -> str:
    """The Apache type map (mod_negotiation) of the files name.html, name.ttl, ... beside it."""
    href = quote(name, safe="-._~")
    return "".join(f"URI: {href}.{ext}\nContent-Type: {media}; qs={qs}\n\n"
                   for ext, media, qs in NEGOTIATED)

#!/usr/bin/perl
# Validates the OpenAPI document and real answers against it, with
# JSON::Validator (Debian libjson-validator-perl; the OpenAPI 3.0 schema
# from Debian openapi-specification, read offline from its cache).
#
#   openapi_check.pl DOCUMENT.json [ANSWERS.jsonl]
#
# DOCUMENT is what GET /api/v1/openapi.json answered. Each line of ANSWERS
# is {"method", "path" (the documented template), "status",
# "content_type", "body" (the answer's text)}. Prints every problem and
# exits 1 if there is any: the document is not valid OpenAPI 3.0, an
# answer's status is not documented for its operation, or its body does
# not match the documented schema. Exit 0: all is well.
use strict;
use warnings;
use JSON::Validator;
use Mojo::File qw(path);
use Mojo::JSON qw(decode_json from_json);

my ($doc_file, $answers_file) = @ARGV;
die "usage: $0 DOCUMENT.json [ANSWERS.jsonl]\n" unless $doc_file;

my $problems = 0;
my $schema = JSON::Validator->new->schema(decode_json(path($doc_file)->slurp))->schema;
die "not an OpenAPI 3 document: " . ref($schema) . "\n"
  unless ref($schema) eq 'JSON::Validator::Schema::OpenAPIv3';
for my $e (@{$schema->errors}) {
  print "document: $e\n";
  $problems++;
}

my $answers = 0;
if ($answers_file) {
  for my $line (split /\n/, path($answers_file)->slurp) {
    next unless length $line;
    my $a = decode_json($line);
    $answers++;
    my $where = "$a->{method} $a->{path} $a->{status}";
    my $op = $schema->get(['paths', $a->{path}, lc $a->{method}]);
    unless ($op) {
      print "$where: operation not documented\n";
      $problems++;
      next;
    }
    my $responses = $op->{responses} || {};
    unless ($responses->{$a->{status}} || $responses->{default}) {
      print "$where: status not documented\n";
      $problems++;
      next;
    }
    my $body = length($a->{body}) ? from_json($a->{body}) : undef;
    my $ct = $a->{content_type} // '';
    $ct =~ s/;.*//;
    my @errors = $schema->validate_response(
      [lc $a->{method}, $a->{path}, $a->{status}],
      { body => sub { return {exists => defined $body, value => $body, content_type => $ct} } });
    for my $e (@errors) {
      print "$where: $e\n";
      $problems++;
    }
  }
}
print "checked the document and $answers answers: $problems problems\n";
exit($problems ? 1 : 0);

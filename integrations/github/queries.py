"""The GraphQL queries the sync sends to GitHub: every one is listed in `QUERIES` (checked against GitHub's schema).

https://docs.github.com/en/graphql/reference/objects#pullrequest
https://docs.github.com/en/graphql/guides/using-pagination-in-the-graphql-api
"""

from __future__ import annotations

# Pull requests per page of the details query. A page asks for up to 100 reviews of each PR:
# 50 × 100 nested nodes stays far below GitHub's node limit and its 10-second timeout.
PULLS_PER_PAGE = 50
REVIEWS_PER_PAGE = 100  # the same number as `reviews(first: 100)` in PullDetails

_REVIEW = """
fragment ReviewFields on PullRequestReview {
  databaseId
  author { login }
  state
  submittedAt
  url
}
"""

# What the three REST requests per PR brought: reviews, the first commit's time, the head commit's
# checks (as GitHub's rollup of all of them, so none is cut at 100). reviewDecision, additions,
# deletions, changedFiles and mergedBy come along as issue 15 asks (scalars cost no points); no
# column holds them yet, so the rows written stay those of the REST sync.
_PULL = """
fragment PullDetails on PullRequest {
  number
  updatedAt
  reviewDecision
  additions
  deletions
  changedFiles
  mergedBy { login }
  firstCommit: commits(first: 1) { nodes { commit { authoredDate } } }
  headCommit: commits(last: 1) { nodes { commit { oid statusCheckRollup { state } } } }
  reviews(first: 100) {
    pageInfo { hasNextPage endCursor }
    nodes { ...ReviewFields }
  }
}
"""

PULL_DETAILS_PAGE = (
    """
query PullDetailsPage($owner: String!, $name: String!, $first: Int!, $after: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    pullRequests(
      first: $first
      after: $after
      states: [OPEN, MERGED]
      orderBy: {field: UPDATED_AT, direction: DESC}
    ) {
      pageInfo { hasNextPage endCursor }
      nodes { ...PullDetails }
    }
  }
}
"""
    + _PULL
    + _REVIEW
)

PULL_REVIEWS_PAGE = (
    """
query PullReviewsPage($owner: String!, $name: String!, $number: Int!, $first: Int!, $after: String) {
  rateLimit { cost remaining resetAt }
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviews(first: $first, after: $after) {
        pageInfo { hasNextPage endCursor }
        nodes { ...ReviewFields }
      }
    }
  }
}
"""
    + _REVIEW
)


def pull_details_by_number(count: int) -> str:
    """The query for `count` PRs by number: variables `n0`…, each PR answered under the alias `p0`…

    For the few PRs that need details but lie outside the pages read (open PRs not updated within
    the metrics window, PRs updated after a resumed run's cursor).
    """
    variables = ", ".join(f"$n{index}: Int!" for index in range(count))
    fields = "\n".join(f"    p{index}: pullRequest(number: $n{index}) {{ ...PullDetails }}" for index in range(count))
    return (
        f"query PullDetailsByNumber($owner: String!, $name: String!, {variables}) {{\n"
        "  rateLimit { cost remaining resetAt }\n"
        "  repository(owner: $owner, name: $name) {\n"
        f"{fields}\n"
        "  }\n"
        "}\n" + _PULL + _REVIEW
    )


# Every query the app sends (the by-number one with two PRs), validated against GitHub's schema by the tests.
QUERIES = {
    "PullDetailsPage": PULL_DETAILS_PAGE,
    "PullReviewsPage": PULL_REVIEWS_PAGE,
    "PullDetailsByNumber": pull_details_by_number(2),
}

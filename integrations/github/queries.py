"""The GraphQL queries the sync sends to GitHub: every one is listed in `QUERIES` (checked against GitHub's schema).

https://docs.github.com/en/graphql/reference/objects#pullrequest
https://docs.github.com/en/graphql/guides/using-pagination-in-the-graphql-api
"""

from __future__ import annotations

# Pull requests per page of the details query. A page asks for up to 100 reviews of each PR:
# 50 × 100 nested nodes stays far below GitHub's node limit and its 10-second timeout.
PULLS_PER_PAGE = 50
REVIEWS_PER_PAGE = 100

_RATE_LIMIT = "rateLimit { cost remaining resetAt }"

_REVIEW = """
fragment ReviewFields on PullRequestReview {
  databaseId
  author { login }
  state
  submittedAt
  url
}
"""

# What the three REST requests per PR brought (reviews, first commit, check runs of the head),
# plus the size and merger of the PR that GitHub's pull request JSON carries.
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
  reviews(first: %(reviews)d) {
    pageInfo { hasNextPage endCursor }
    nodes { ...ReviewFields }
  }
}
""" % {"reviews": REVIEWS_PER_PAGE}

PULL_DETAILS_PAGE = (
    """
query PullDetailsPage($owner: String!, $name: String!, $first: Int!, $after: String) {
  %s
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
    % _RATE_LIMIT
    + _PULL
    + _REVIEW
)

PULL_REVIEWS_PAGE = (
    """
query PullReviewsPage($owner: String!, $name: String!, $number: Int!, $first: Int!, $after: String) {
  %s
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
    % _RATE_LIMIT
    + _REVIEW
)

QUERIES = {"PullDetailsPage": PULL_DETAILS_PAGE, "PullReviewsPage": PULL_REVIEWS_PAGE}

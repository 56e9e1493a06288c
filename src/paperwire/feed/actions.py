"""Views that change the feed: submitting a paper, upvoting one."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from paperwire.accounts.rules import NotAllowed, why_not_active_member
from paperwire.feed import services
from paperwire.feed.forms import SubmitForm
from paperwire.inputs import next_page
from paperwire.papers.models import Paper
from paperwire.ratelimits import limited, wants_json


@login_required
@limited(("user_or_ip", "20/h"))
def submit(request: HttpRequest) -> HttpResponse:
    not_allowed = why_not_active_member(request.user)
    organizations = services.organizations_for(request.user)
    form = SubmitForm(
        request.POST if request.method == "POST" else None, organizations=organizations
    )
    refusal: services.SubmissionError | None = None
    if request.method == "POST" and not not_allowed and form.is_valid():
        try:
            entry = services.do_submit(
                request.user,
                form.cleaned_data["paper"],
                comment=form.cleaned_data["comment"],
                organization=form.cleaned_data.get("organization"),
            )
        except NotAllowed as e:
            form.add_error(None, e.message)
        except services.SubmissionError as e:
            if e.link:
                refusal = e  # shown with its link, which a form error can't carry
            else:
                form.add_error(e.field if e.field in form.fields else None, e.message)
        else:
            messages.success(request, f"Thank you! “{entry.paper.title}” is on today's feed.")
            return redirect(entry.paper)
    context = {
        "form": form,
        "not_allowed": not_allowed,
        "refusal": refusal,
        "allowance": services.allowance(request.user),  # type: ignore[arg-type]
        "max_age_days": settings.SUBMISSION_MAX_AGE_DAYS,
        "has_organizations": bool(organizations),
    }
    return render(request, "feed/submit.html", context)


@require_POST
@limited(("user_or_ip", "60/m"))
def upvote(request: HttpRequest, arxiv_id: str) -> HttpResponse:
    try:
        paper = Paper.objects.get(arxiv_id=arxiv_id)
    except Paper.DoesNotExist:
        raise Http404(f"The paper {arxiv_id} is not on this site.") from None
    back = next_page(request, paper.get_absolute_url())
    if not request.user.is_authenticated:
        if wants_json(request):
            return JsonResponse({"error": "Log in to upvote papers."}, status=401)
        return redirect_to_login(back)
    wanted = {"on": True, "off": False}.get(request.POST.get("vote", ""))
    if wanted is None:
        # A page from before votes said which way they go; it cannot know the state now.
        message = "Your vote was not saved: reload the page and press the button again."
        if wants_json(request):
            return JsonResponse({"error": message}, status=400)
        messages.error(request, message)
        return redirect(back)
    try:
        voted, count = services.do_set_upvote(request.user, paper, wanted)
    except NotAllowed as e:
        if wants_json(request):
            return JsonResponse({"error": e.message}, status=403)
        messages.error(request, e.message)
        return redirect(back)
    if wants_json(request):
        return JsonResponse({"voted": voted, "upvotes": count})
    return redirect(back)

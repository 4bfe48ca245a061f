"""Sentence bank for the synthetic S1 interviews.

Participant sentences are grouped by the theme they voice; ``{slots}`` are
filled per interview (markets, platforms, sourcing countries, numbers), so
the same idea comes out in different words across participants. Interviewer
lines follow the three areas of the S1 interview protocol: pandemic
problems, resilience strategies, digital transformation and service to
customers abroad.
"""

from __future__ import annotations

THEMES = (
    "pandemic_challenges",
    "digital_tools_adoption",
    "supply_chain_diversification",
    "employee_training_engagement",
    "customer_engagement",
)
"""Interview themes (the top-level codes of the ``s1_codebook``); the last four are the S1
strategy themes."""

THEME_CONSTRUCTS = {
    "digital_tools_adoption": "digital_tools",
    "supply_chain_diversification": "supply_chain_div",
    "employee_training_engagement": "employee_training",
    "customer_engagement": "customer_engagement",
}
"""Survey construct each strategy theme is set against."""

THEME_SENTENCES: dict[str, tuple[str, ...]] = {
    "pandemic_challenges": (
        "When the first lockdown hit, our factory partner shut for {weeks} weeks and we simply "
        "had nothing to ship.",
        "Freight rates to {market} went up about {mult} times, and on small parcels that wiped "
        "out our margin.",
        "Parcels were stuck in customs for ages, and customers in {market} started opening "
        "disputes on {platform}.",
        "The worst part was not knowing. We couldn't tell buyers when anything would arrive.",
        "Air cargo basically disappeared, because most of it used to fly in passenger planes.",
        "Our cash was tied up in containers sitting at the port, so paying salaries got really "
        "tight.",
        "Half of our warehouse team was in quarantine at one point, and orders piled up.",
        "Demand was all over the place: some products sold out in days and others didn't move "
        "for months.",
        "{platform} changed its rules on delivery times, and our account got warnings for late "
        "shipments.",
        "Returns from {market} became so expensive that we often just refunded and let the "
        "customer keep the item.",
        "For about {weeks} weeks we could not get a single container booked.",
    ),
    "digital_tools_adoption": (
        "We moved our order management and inventory into a cloud system, so everyone could work "
        "from home.",
        "We started using a sales dashboard; now I can see every morning how each market is doing.",
        "The biggest change was automation: invoices, stock updates, even the customs "
        "declarations now go out automatically.",
        "Before, everything was on spreadsheets and email. Now the whole team works in one online "
        "workspace.",
        "We built a small data-analytics routine to forecast demand in {market}, and it has been "
        "surprisingly accurate.",
        "We connected our {platform} store to the ERP, so stock levels update without anyone "
        "typing them in.",
        "Video calls replaced most of our factory visits, and we kept doing it after travel "
        "reopened.",
        "We use an app now to track every parcel, and it flags the ones that are running late.",
        "Going digital was forced on us, but the software made the whole company faster.",
        "We tried a few analytics tools before finding one that our small team could actually use.",
    ),
    "supply_chain_diversification": (
        "We found a second supplier in {country}, so we are no longer tied to one factory.",
        "Now we work with {n} logistics companies; if one route closes, we switch to another the "
        "same day.",
        "We rented space in a fulfilment centre in {market}, so stock is already close to the "
        "customers.",
        "We spread our sales over {platform} and our own web shop, so one platform can't sink us.",
        "Sea freight plus rail to Europe gave us an alternative route when air freight was "
        "impossible.",
        "Having stock in two warehouses costs more, but it saved us when one was closed.",
        "We added packaging suppliers too, because even boxes were hard to get.",
        "The lesson was simple: never depend on a single supplier or a single route again.",
        "We moved part of our sourcing to {country}, which also helped with tariffs.",
        "We signed backup contracts with two smaller carriers, just in case.",
    ),
    "employee_training_engagement": (
        "We paid for online courses in digital marketing and platform advertising for the whole "
        "sales team.",
        "Every Monday we had a short call with all staff to explain where the company stood.",
        "Some of our best ideas came from the staff; the packing team suggested the new returns "
        "process.",
        "We trained people to cover each other's jobs, so when someone was ill the work didn't "
        "stop.",
        "Keeping our people was my first priority; we didn't lay anyone off, and the team "
        "remembers that.",
        "We brought in a trainer to teach the service team how to handle disputes on {platform}.",
        "Younger employees taught the older ones how to use the new systems, which was nice to "
        "see.",
        "We gave staff time every week for training, and some of them got certificates in data "
        "analysis.",
        "When employees understand why we change something, they accept it much more easily.",
        "Morale was low in the first months, so we involved the whole team in deciding how to "
        "respond.",
    ),
    "customer_engagement": (
        "We started talking to customers on WhatsApp, Instagram and email, wherever they were.",
        "We emailed customers about delays before they asked, and complaints dropped a lot.",
        "Customers in {market} want to feel known, so we personalise our offers for each market "
        "now.",
        "We hired two people who answer customers in their own language, and our reviews "
        "improved immediately.",
        "We ask every buyer for feedback, and we really do change products based on it.",
        "Live-stream selling on {platform} let us talk to customers directly, which was new for "
        "us.",
        "Our repeat purchases went up once we started sending personal follow-up messages to "
        "customers.",
        "Honest communication with customers mattered more than speed; people accept a delay if "
        "you tell them early.",
        "We set up a group for our regular buyers in {market}, and those customers became our "
        "best promoters.",
        "We answer customer chat messages within an hour now, even at weekends.",
    ),
}

NEUTRAL_ANSWERS = (
    "To be honest, that was not where we put our energy at the time.",
    "Not really. We were mostly trying to keep orders moving.",
    "We talked about it, but in the end we didn't change much there.",
    "It's on our list, but we haven't done much about it yet.",
    "I wouldn't say that was a big part of how we responded.",
)

OPENERS = (
    "Good question.",
    "Let me think.",
    "Yes, definitely.",
    "That's a big one for us.",
    "Well, a few things.",
    "Right.",
)

DETAILS = (
    "It took a while to get right.",
    "It wasn't cheap, but it was worth it.",
    "We're still improving it.",
    "I think it saved the business, honestly.",
    "Our competitors did the same a year later.",
    "It sounds simple, but it changed a lot for us.",
    "We learned that the hard way.",
)

PROBLEM_DETAILS = (
    "That went on for most of 2020.",
    "It was a really stressful time.",
    "Everyone in the industry had the same problem.",
    "We lost some good customers because of it.",
    "Nobody had a plan for something like that.",
)

COLLEAGUE_DETAIL = "My colleague {colleague} took charge of that part."

GREETINGS = (
    "Thank you for making time for this interview, {name}.",
    "Hello {name}, thanks for joining the call today.",
    "Good morning, {name}. Thank you for agreeing to talk to me.",
)

OPENING_QUESTIONS = (
    "Could you start by telling me a little about yourself and the firm?",
    "To begin, could you introduce yourself and the business?",
    "Can you tell me briefly who you are and what the company does?",
)

INTRODUCTIONS = (
    "Sure. I'm {name}, {role} {firm}. We're based in {city} and sell mainly to customers in "
    "{market} and {market2}.",
    "Of course. My name is {name} and I'm {role} {firm}, in {city}. Most of our buyers are "
    "in {market}, with a growing share in {market2}.",
    "Happy to. I'm {name}. I work as {role} {firm}; we're a small team in {city} selling "
    "online to {market} and {market2}.",
)

CONSENT_QUESTIONS = (
    "Before we go on: are you still happy for this call to be recorded and transcribed?",
    "Just to confirm, you're fine with me recording this conversation?",
    "Is it still all right with you that we record the interview?",
)

CONSENT_ANSWERS = ("Yes, that's fine.", "Yes, no problem.", "Of course, go ahead.")

AREA_QUESTIONS = {
    "pandemic": (
        "Let's start with the pandemic. What problems did your cross-border business run into?",
        "Thinking back to 2020, what were the main difficulties with selling abroad?",
        "What happened to your cross-border trade when the pandemic started?",
    ),
    "strategies": (
        "How did the firm respond? What did you change to get through it?",
        "What strategies did you adopt to keep the business going?",
        "Looking at your response, what were the main things you did differently?",
    ),
    "transformation": (
        "Let's talk about digital transformation. What digital projects did you start, and how "
        "did they change your service to customers abroad?",
        "Which digital projects made the biggest difference for your foreign customers?",
        "How has digital technology changed the way you work since 2020?",
    ),
}

PANDEMIC_PROBES = (
    "Which of those hurt the most?",
    "Can you give me an example?",
    "How long did that last?",
    "How did your customers abroad react?",
)

THEME_PROBES = {
    "supply_chain_diversification": (
        "What about your suppliers and logistics? Did anything change there?",
        "Did you change how you source products or how you ship them?",
    ),
    "employee_training_engagement": (
        "And your staff: how did you support them through this?",
        "Did you invest in training, or in involving employees more?",
    ),
    "digital_tools_adoption": (
        "Did new software or digital tools play a role?",
        "What part did technology play in that response?",
    ),
    "customer_engagement": (
        "How do you keep in touch with customers abroad now?",
        "Has the way you communicate with foreign customers changed?",
    ),
}

FOLLOW_UPS = (
    "Can you say a bit more about that?",
    "Was that difficult to put in place?",
    "How did you know whether it worked?",
    "Interesting. Why did you choose that approach?",
)

OPEN_QUESTIONS = (
    "Looking back, what else helped the business recover?",
    "Is there anything else you changed that we haven't talked about?",
    "What would you keep doing even if nothing like this happens again?",
)

CLOSING_QUESTIONS = (
    "We're almost at the end. Is there anything else you'd like to add?",
    "Before we finish, is there anything I haven't asked that you think matters?",
)

CLOSING_ANSWERS = (
    "Only that {firm} is in a much stronger position now than before 2020.",
    "I think the main lesson is to be ready to change quickly. That's what I'd tell other firms.",
    "Just that it was a very hard period, but {firm} came out of it with a clearer plan.",
)

THANKS = (
    "Thank you very much, {name}. That was really helpful.",
    "Thanks a lot, {name}. I really appreciate your time.",
)

GOODBYES = ("Thank you, and good luck with the research.", "My pleasure. Goodbye.")

SLOTS = {
    "market": (
        "the US",
        "Germany",
        "the UK",
        "Japan",
        "Australia",
        "France",
        "Canada",
        "South Korea",
        "Spain",
        "the Netherlands",
        "Poland",
        "Saudi Arabia",
        "Malaysia",
        "Brazil",
    ),
    "platform": ("Amazon", "eBay", "AliExpress", "TikTok Shop", "Shopee", "Lazada"),
    "country": ("Vietnam", "Thailand", "Malaysia", "Indonesia", "Turkey", "Mexico", "India"),
    "n": ("two", "three", "four"),
    "weeks": ("three", "four", "five", "six", "eight"),
    "mult": ("three", "four", "five"),
}

PEOPLE = (
    "Chen Jing",
    "Wang Lei",
    "Liu Yang",
    "Zhang Min",
    "Huang Wei",
    "Zhou Ting",
    "Xu Hao",
    "Sun Lijuan",
    "Ma Xiaoyu",
    "Zhu Jun",
    "Hu Fang",
    "Guo Qiang",
    "Lin Meihua",
    "He Yun",
    "Gao Peng",
)

COLLEAGUES = (
    "Deng Rui",
    "Feng Xue",
    "Tang Bo",
    "Cao Ying",
    "Xie Ming",
    "Luo Dan",
    "Song Kai",
    "Pan Qing",
)

FIRMS = (
    "Harbourlight Trading",
    "Kestrel Commerce",
    "Silverpine Goods",
    "Bluewave Export",
    "Redbridge Supply",
    "Northstar Sourcing",
    "Jadeleaf International",
    "Brightpath Trading",
    "Goldcrest Commerce",
    "Riverstone Direct",
    "Summit Orchard Ltd",
    "Lanternfield Co.",
    "Clearwater Global",
    "Maplegate Trading",
    "Evergreen Link",
)

CITIES = (
    "Shenzhen",
    "Ningbo",
    "Hangzhou",
    "Yiwu",
    "Guangzhou",
    "Xiamen",
    "Suzhou",
    "Qingdao",
    "Chengdu",
    "Wuhan",
    "Dongguan",
    "Fuzhou",
    "Nanjing",
    "Kunming",
    "Zhengzhou",
)

ROLES = (
    "E-commerce Manager",
    "Owner",
    "Founder",
    "Operations Director",
    "HR Manager",
    "Team Leader",
    "Marketing Director",
    "Customer-Service Manager",
)

ROLE_PHRASES = {
    "E-commerce Manager": "the e-commerce manager at",
    "Owner": "the owner of",
    "Founder": "one of the founders of",
    "Operations Director": "the operations director at",
    "HR Manager": "the HR manager at",
    "Team Leader": "a team leader at",
    "Marketing Director": "the marketing director at",
    "Customer-Service Manager": "the customer-service manager at",
}
"""Role as said in a self-introduction, ending with the preposition before the firm name."""

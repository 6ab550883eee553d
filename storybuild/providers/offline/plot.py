"""The template writer's story arc and sentence pools.

A story is meet -> play/explore -> a small problem -> teamwork -> joy -> goodnight,
stretched or squeezed to the scene count. Each pool entry is (title, narration, image)
with {placeholders} filled by template_writer. Entries are drawn without replacement,
so no narration repeats verbatim: every pool is at least as large as the most scenes
of its phase that `arc` can ask for (checked by `check_pools`).
"""

from __future__ import annotations

from dataclasses import dataclass

Line = tuple[str, str, str]


@dataclass(frozen=True)
class Problem:
    """A small, gentle setback and the teamwork that solves it; `kinds` are the place
    kinds (outdoor, indoor, space) where it makes sense."""

    kinds: frozenset[str]
    problem: Line
    solution: Line


MEET: tuple[Line, ...] = (
    ("Hello, friends", "One sunny morning, {intro} met {where}.",
     "{all} greeting each other with big smiles {where_visual}, {light}"),
    ("Best friends", "Once upon a time, {intro} were the very best of friends.",
     "{all} standing side by side and waving hello {where_visual}, {light}"),
    ("A morning visit", "Early one bright morning, {a_intro} came bouncing over to visit {b_intro}.",
     "{A} arriving with a happy wave to visit {B} {where_visual}, {light}"),
)

SETOUT: tuple[Line, ...] = (
    ("A big idea", "{A} had a wonderful idea: they would spend the whole day {activity}.",
     "{A} excitedly sharing a big idea with {B}, eyes shining, {where_visual}, {light}"),
    ("Ready for fun", "{all} stretched, giggled, and got ready for a wonderful day of fun.",
     "{all} stretching and giggling, ready for a fun day, {where_visual}, {light}"),
)

PLAY: tuple[Line, ...] = (
    ("Time to play", "First, {friends} spent the morning {activity}, giggling all the while.",
     "{all} {activity} together and giggling {where_visual}, {light}"),
    ("Taking turns", "{A} and {B} took turns {activity}, cheering each other on.",
     "{A} and {B} taking turns {activity} and cheering {where_visual}, {light}"),
    ("Hide and seek", "{B} counted to ten while {A} hid behind {spot}, trying very hard not to giggle.",
     "{A} hiding behind {spot} with a giggle while {B} covers both eyes and counts, {where_visual}, {light}"),
    ("A game of tag", "They raced around {spot} playing tag, and nobody could stop laughing.",
     "{all} running and laughing in a game of tag around {spot}, {where_visual}, {light}"),
    ("A silly dance", "{A} made up a silly wiggly dance, and {B} copied every single move.",
     "{A} and {B} doing a silly wiggly dance together near {spot}, {where_visual}, {light}"),
    ("Follow the leader", "{B} led a game of follow the leader, hopping, skipping and spinning all the way to {spot}.",
     "{B} leading {A} in a hopping, skipping game of follow the leader toward {spot}, {where_visual}, {light}"),
    ("A happy song", "Sitting by {spot}, {friends} sang a happy song about being friends.",
     "{all} sitting by {spot} and singing, little music notes floating in the air, {where_visual}, {light}"),
    ("Bubbles everywhere", "{A} blew a stream of shimmering bubbles, and {B} tried to catch every single one.",
     "{A} blowing shimmering rainbow bubbles while {B} leaps to catch them near {spot}, {where_visual}, {light}"),
    ("Leapfrog", "Next they played leapfrog, boing, boing, boing, all the way past {spot}.",
     "{A} leaping over {B} in a game of leapfrog past {spot}, {where_visual}, {light}"),
    ("Picnic time", "At lunchtime, they shared a picnic of sandwiches and juicy berries near {spot}.",
     "{all} sharing sandwiches and berries on a checkered picnic blanket near {spot}, {where_visual}, {light}"),
    ("Drawing pictures", "{A} drew a picture of all the friends, and {B} added sparkly stars around it.",
     "{A} and {B} drawing a colorful picture of their friends together near {spot}, {where_visual}, {light}"),
)

EXPLORE: tuple[Line, ...] = (
    ("Off exploring", "Next, {friends} tiptoed over to {spot} to see what they could find.",
     "{all} tiptoeing curiously toward {spot}, {where_visual}, {light}"),
    ("Tiny footprints", "Near {spot}, {A} discovered a trail of tiny footprints, and {B} followed right behind.",
     "{A} pointing at a trail of tiny footprints near {spot}, {B} following close behind, {where_visual}, {light}"),
    ("A shiny surprise", "Behind {spot}, they found a shiny pebble that sparkled like a star.",
     "{all} gazing at a shiny sparkling pebble found behind {spot}, {where_visual}, {light}"),
    ("New little friends", "At {spot}, {critters} waved hello, and everyone waved back.",
     "{all} waving to {critters} at {spot}, {where_visual}, {light}"),
    ("A secret path", "{B} found a secret little path, and they followed it all the way to {spot}.",
     "{B} leading the way along a secret little path toward {spot}, {A} close behind, {where_visual}, {light}"),
    ("Listening closely", "By {spot}, {friends} sat very still and listened to all the gentle sounds around them.",
     "{all} sitting quietly by {spot} with eyes closed, listening, {where_visual}, {light}"),
    ("A treasure map", "{A} found an old paper map with a big red X, and {B} said it pointed toward {spot}.",
     "{A} holding an old treasure map with a big red X while {B} points toward {spot}, {where_visual}, {light}"),
    ("What a view", "{A} peeked out from {spot} and gasped at the beautiful view.",
     "{A} peeking out from {spot} in wonder, {B} beside, {where_visual}, {light}"),
    ("Counting colors", "Near {spot}, they counted all the colors they could see, from red all the way to purple.",
     "{all} counting colors on their fingers near {spot}, {where_visual}, {light}"),
    ("Side by side", "Side by side, {friends} wandered past {spot}, pointing at everything new.",
     "{all} walking side by side past {spot}, pointing at new things, {where_visual}, {light}"),
    ("A funny echo", "{A} called hello near {spot}, and a funny echo called hello right back.",
     "{A} calling out with cupped hands near {spot} while {B} giggles at the echo, {where_visual}, {light}"),
)

_ALL = frozenset({"outdoor", "indoor", "space"})
_OUT = frozenset({"outdoor"})
PROBLEMS: tuple[Problem, ...] = (
    Problem(_ALL,
            ("Oh no!", "Oh no, {A}'s favorite {toy} {lost} and vanished behind {spot}!",
             "{A} looking worried as a {toy} {lost} out of sight behind {spot}, {B} gasping, {where_visual}, {light}"),
            ("Searching together", "{B} searched high, {A} searched low, and together they found the {toy} safe and sound.",
             "{A} and {B} happily finding the {toy} together behind {spot}, {where_visual}, {light}")),
    Problem(_OUT,
            ("Which way?", "Suddenly the path split in two, and nobody could remember the way back.",
             "{all} standing at a fork in the path looking puzzled, {where_visual}, {light}"),
            ("Finding the way", "{A} remembered {spot}, {B} spotted their footprints, and together they found the right path.",
             "{A} and {B} following their footprints back along the right path, {where_visual}, {light}")),
    Problem(_OUT,
            ("A little peep", "A tiny baby bird had tumbled out of its nest and was peeping for its mother.",
             "{all} finding a tiny fluffy baby bird on the ground below its nest, {where_visual}, {light}"),
            ("Helping hands", "{A} held a ladder of sticks steady while {B} gently carried the baby bird back to its nest.",
             "{A} steadying a little ladder of sticks while {B} places the baby bird back in its nest, {where_visual}, {light}")),
    Problem(_OUT,
            ("Raindrops", "Then dark clouds rolled in, and big fat raindrops began to fall.",
             "{all} looking up as gray clouds roll in and raindrops begin to fall, {where_visual}"),
            ("A leafy umbrella", "{A} found a giant leaf, {B} held it up high, and they all stayed snug and dry beneath it.",
             "{all} huddled together under a giant green leaf umbrella in the rain, smiling, {where_visual}")),
    Problem(_ALL,
            ("Too heavy", "A {heavy} was blocking the way to {spot}, and it was far too heavy for one friend alone.",
             "{all} looking at a {heavy} blocking the way to {spot}, {where_visual}, {light}"),
            ("Heave-ho", "{A} pushed, {B} pulled, and with one big heave-ho the {heavy} rolled out of the way.",
             "{A} pushing and {B} pulling a {heavy} together with all their might, {where_visual}, {light}")),
    Problem(_ALL,
            ("Whoops!", "Whoops, the tall tower of blocks they had built wobbled and tumbled down.",
             "a tall tower of colorful blocks tumbling down while {all} gasp, {where_visual}, {light}"),
            ("Building again", "{A} held the bottom steady while {B} stacked the blocks, and the new tower was even taller than before.",
             "{A} holding a tower of blocks steady while {B} stacks the top block, {where_visual}, {light}")),
    Problem(frozenset({"outdoor", "indoor"}),
            ("A wobbly wheel", "{B}'s little red wagon lost a wheel and tipped over with a bump.",
             "{B} looking sad beside a little red wagon that has lost a wheel, {A} rushing over, {where_visual}, {light}"),
            ("Fixed together", "{A} found the wheel, {B} held the wagon up, and together they snapped it back into place.",
             "{A} fitting a wheel back on a little red wagon that {B} holds up, {where_visual}, {light}")),
    Problem(_OUT,
            ("A wide stream", "A little stream ran right across their path, much too wide to jump.",
             "{all} standing at the edge of a wide little stream across their path, {where_visual}, {light}"),
            ("A little bridge", "{A} and {B} laid a flat log across the water and carefully crossed their new bridge.",
             "{A} and {B} carefully crossing a little log bridge over a stream, {where_visual}, {light}")),
    Problem(_OUT,
            ("Spilled berries", "Oops, the picnic basket tipped over, and juicy berries rolled everywhere.",
             "a tipped-over picnic basket with berries rolling everywhere while {all} gasp, {where_visual}, {light}"),
            ("Berry pickers", "Everyone helped, and soon {friends} had gathered every single berry back into the basket.",
             "{all} gathering berries back into a picnic basket together, {where_visual}, {light}")),
    Problem(frozenset({"indoor"}),
            ("Too high", "The cookie jar sat on a shelf far too high for anyone to reach.",
             "{all} looking up at a cookie jar on a very high shelf, {where_visual}, {light}"),
            ("Reaching together", "{B} held a sturdy stool steady, {A} climbed up carefully, and together they reached the jar.",
             "{A} reaching the cookie jar from a sturdy stool that {B} holds steady, {where_visual}, {light}")),
    Problem(frozenset({"indoor"}),
            ("Lights out", "Suddenly the lights flickered out, and it was much too dark to see.",
             "{all} peering into the dark after the lights go out, {where_visual}"),
            ("A bright idea", "{A} found a flashlight, {B} switched it on, and together they lit the way.",
             "{A} and {B} shining a flashlight beam that lights up the room, {where_visual}")),
    Problem(frozenset({"space"}),
            ("A sputtering rocket", "Their little rocket began to sputter and cough among the stars.",
             "a little rocket puffing and sputtering among the stars with {all} inside, {where_visual}"),
            ("Fixing the rocket", "{A} found the loose bolt, {B} tightened it just right, and the rocket hummed happily again.",
             "{A} and {B} fixing their little rocket together with a big wrench, {where_visual}, {light}")),
)

JOY: tuple[Line, ...] = (
    ("Hooray!", "Hooray, {all} cheered and danced a happy little dance together!",
     "{all} cheering and dancing happily together {where_visual}, {light}"),
    ("Snack time", "{friends} shared a yummy snack and laughed about everything that had happened.",
     "{all} sharing a yummy snack and laughing together {where_visual}, {light}"),
    ("The best day", "To celebrate, they spent the rest of the afternoon {activity}.",
     "{all} happily {activity} together, full of joy, {where_visual}, {light}"),
    ("A great big hug", "{A} gave {B} a great big hug and said, \"You are the best friend ever!\"",
     "{A} giving {B} a great big hug {where_visual}, {light}"),
)

SLEEPY: tuple[Line, ...] = (
    ("Sleepy yawns", "As the sun began to set, {friends} yawned big, sleepy yawns.",
     "{all} yawning sleepily as the sun sets {where_visual}, glowing sunset colors"),
    ("Heading home", "Slowly they walked home together, watching the sky turn pink and gold.",
     "{all} walking home side by side under a pink and gold sunset sky"),
)

GOODNIGHT: tuple[Line, ...] = (
    ("Goodnight", "Under the twinkling stars, {all} snuggled up close and whispered goodnight.",
     "{all} snuggled up together asleep under a calm starry night sky with a glowing moon"),
    ("Sweet dreams", "Tucked in their cozy beds, {friends} dreamed happy dreams of {activity}.",
     "{all} sound asleep in cozy beds, a crescent moon glowing through the window at night"),
    ("Until tomorrow", "{A} and {B} smiled sleepy smiles, already excited for tomorrow, and closed their eyes.",
     "{all} drifting off to sleep with sleepy smiles under a moonlit night sky full of stars"),
)

WHOLE: tuple[Line, ...] = (
    ("A happy day", "One happy day, {intro} spent hours {activity} {where}, and then went home for a cozy goodnight.",
     "{all} {activity} together {where_visual}, {light}"),
)

POOLS: dict[str, tuple[Line, ...]] = {"meet": MEET, "setout": SETOUT, "play": PLAY, "explore": EXPLORE,
                                      "joy": JOY, "sleepy": SLEEPY, "goodnight": GOODNIGHT, "whole": WHOLE}

_SHORT_ARCS = {
    1: ["whole"],
    2: ["meet", "goodnight"],
    3: ["meet", "play", "goodnight"],
    4: ["meet", "problem", "solution", "goodnight"],
    5: ["meet", "play", "problem", "solution", "goodnight"],
    6: ["meet", "play", "problem", "solution", "joy", "goodnight"],
    7: ["meet", "play", "explore", "problem", "solution", "joy", "goodnight"],
}
MAX_SCENES = 30


def arc(count: int) -> list[str]:
    """The phase of each of `count` scenes (1..30). Longer stories get a second opening
    scene, up to three problem/solution pairs with play and exploring before each,
    more joy and a sleepy scene before goodnight."""
    if count in _SHORT_ARCS:
        return list(_SHORT_ARCS[count])
    meets = ["meet", "setout"] if count >= 12 else ["meet"]
    ending = (["joy", "joy"] if count >= 20 else ["joy"]) + (["sleepy", "goodnight"] if count >= 16 else ["goodnight"])
    pairs = 1 + (count - 7) // 8
    middle = count - len(meets) - len(ending) - 2 * pairs
    phases = list(meets)
    for pair in range(pairs):
        share = middle // pairs + (1 if pair < middle % pairs else 0)
        phases += ["play" if i % 2 == 0 else "explore" for i in range(share)]
        phases += ["problem", "solution"]
    return phases + ending


def check_pools() -> None:
    """Raise if some scene count could need more lines of a phase than its pool holds."""
    for count in range(1, MAX_SCENES + 1):
        phases = arc(count)
        assert len(phases) == count, count
        for phase, pool in POOLS.items():
            assert phases.count(phase) <= len(pool), (count, phase)
        assert phases.count("problem") <= 3, count  # every place kind has at least 3 problems


# --- a theme's own trouble (conflict.py) -------------------------------------------------
# One line per beat and kind of conflict, each used once: {H} is the hero, {F} the friend
# who helps, {thing} what the trouble is about as the theme said it, {doing} its -ing form.
# The beginning and the ending name the trouble too, so even a two-scene story keeps it.
TROUBLE: dict[str, dict[str, Line]] = {
    "fear": {
        "begin": ("Meet {H}", "{h_intro} lived {where} with {f_intro}, and {H} was {feeling} of {thing}.",
                  "{H} peeking shyly out from behind {F}, {where_visual}, {light}"),
        "conflict": ("{Feeling} of {Thing}", "Whenever {thing} came near, {H} trembled all over, because {H} "
                     "was so {feeling} of {thing}.",
                     "{H} trembling and hiding behind {spot} from {thing}, {F} looking on kindly, {where_visual}, {light}"),
        "turn": ("Together", "{F} took {H} gently by the hand and said, \"Let's look at {thing} together, one tiny "
                 "step at a time.\"", "{F} holding {H}'s hand as they take a small brave step toward {thing}, "
                 "{where_visual}, {light}"),
        "ending": ("Not {feeling} any more", "Side by side with {F}, {H} looked at {thing} and smiled, because {H} "
                   "was not {feeling} of {thing} any more.",
                   "{H} smiling bravely beside {F}, facing {thing} happily, {where_visual}, {light}"),
        "whole": ("{H} is brave", "{h_intro} was {feeling} of {thing}, until {f_intro} stayed close {where} and "
                  "{H} was not {feeling} any more.", "{H} smiling bravely at {thing} beside {F}, {where_visual}, {light}"),
    },
    "ability": {
        "begin": ("Meet {H}", "{h_intro} lived {where} with {f_intro}, and {H} could not {thing} yet.",
                  "{H} watching others {thing} a little sadly, {F} beside, {where_visual}, {light}"),
        "conflict": ("Too hard", "{H} tried and tried to {thing}, but {H} just could not {thing} yet.",
                     "{H} trying hard to {thing} and wobbling near {spot}, {F} watching, {where_visual}, {light}"),
        "turn": ("A helping friend", "{F} showed {H} how, and they practised {doing} together near {spot} every day.",
                 "{F} showing {H} how to {thing} near {spot}, {where_visual}, {light}"),
        "ending": ("At last", "At last {H} could {thing}, and {F} cheered the loudest cheer of all!",
                   "{H} happily {doing} while {F} cheers, {where_visual}, {light}"),
        "whole": ("{H} learns", "{h_intro} could not {thing}, but {f_intro} helped {H} practise {where} until "
                  "at last {H} could {thing}.", "{H} happily {doing} while {F} cheers, {where_visual}, {light}"),
    },
    "wish": {
        "begin": ("Meet {H}", "{h_intro} lived {where} with {f_intro}, and {H} wished and wished to {thing}.",
                  "{H} gazing up dreamily beside {F}, {where_visual}, {light}"),
        "conflict": ("A big wish", "More than anything, {H} wanted to {thing}, but it seemed much too hard.",
                     "{H} gazing up dreamily near {spot}, wishing to {thing}, {F} beside, {where_visual}, {light}"),
        "turn": ("A clever plan", "{F} had a clever plan, and together they practised near {spot} until {H} was "
                 "ready to {thing}.", "{F} and {H} making a clever plan together near {spot}, {where_visual}, {light}"),
        "ending": ("A wish come true", "At last {H} could {thing}, and {H}'s wish came true!",
                   "{H} joyfully {doing} while {F} cheers, {where_visual}, {light}"),
        "whole": ("A wish come true", "{h_intro} wanted to {thing}, and with a little help from {f_intro} {where}, "
                  "{H}'s wish came true.", "{H} joyfully {doing} while {F} cheers, {where_visual}, {light}"),
    },
    "lost": {
        "begin": ("Meet {H}", "{h_intro} lived {where} with {f_intro}, until one day {H} lost the {thing}.",
                  "{H} looking around worriedly for the lost {thing}, {F} beside, {where_visual}, {light}"),
        "conflict": ("Where is it?", "Oh no, {H} had lost the {thing}, and it was nowhere to be seen!",
                     "{H} searching everywhere for the lost {thing} near {spot}, {F} helping, {where_visual}, {light}"),
        "turn": ("Looking together", "{F} said, \"Let's look together,\" and they searched high and low, all the "
                 "way to {spot}.", "{F} and {H} searching high and low together near {spot}, {where_visual}, {light}"),
        "ending": ("Found it!", "There, peeking out from {spot}, was the lost {thing}, and {H} gave {F} a great "
                   "big thank-you hug.", "{H} happily holding the {thing}, hugging {F}, {where_visual}, {light}"),
        "whole": ("Found it!", "{h_intro} lost the {thing} {where}, but {f_intro} helped look high and low until "
                  "they found it.", "{H} happily holding the found {thing} beside {F}, {where_visual}, {light}"),
    },
    "feeling": {
        "begin": ("Meet {H}", "{h_intro} lived {where}, and {H} often felt {feeling}, until {f_intro} came along.",
                  "{H} looking {feeling} as {F} comes along, {where_visual}, {light}"),
        "conflict": ("Feeling {feeling}", "{H} sat all alone by {spot}, feeling very {feeling} indeed.",
                     "{H} sitting alone by {spot}, looking {feeling}, {where_visual}, {light}"),
        "turn": ("A friendly hello", "{F} came over, sat down beside {H}, and asked, \"Would you like to play with "
                 "me?\"", "{F} sitting down beside {H} with a friendly smile near {spot}, {where_visual}, {light}"),
        "ending": ("Happy again", "Playing side by side with {F}, {H} laughed and laughed, and did not feel "
                   "{feeling} any more.", "{H} laughing and playing with {F}, {where_visual}, {light}"),
        "whole": ("Happy again", "{h_intro} felt {feeling} {where}, until {f_intro} sat down beside {H} and "
                  "{H} did not feel {feeling} any more.", "{H} and {F} laughing together, {where_visual}, {light}"),
    },
}
TROUBLE_TITLES = {"fear": "{H} and the {Thing}", "ability": "{H} Learns to {Thing}", "wish": "{H} Wants to {Thing}",
                  "lost": "{H} and the Lost {Thing}", "feeling": "The {Feeling} {Noun}"}


def trouble_arc(count: int) -> list[str]:
    """The phases of a story with a theme's own trouble: it begins by naming it, its
    problem is the last problem of `arc` (earlier ones are adventures on the way), the
    turn is that problem's solution, and the ending (the first joy after the turn, or the
    last scene) says it is overcome. 1 scene: all of it; 2: begin, ending; 3: + turn."""
    if count <= 3:
        return [["whole"], ["begin", "ending"], ["begin", "turn", "ending"]][count - 1]
    phases = arc(count)
    phases[0] = "begin"
    last = max(i for i, phase in enumerate(phases) if phase == "problem")
    phases[last], phases[last + 1] = "conflict", "turn"
    joys = [i for i, phase in enumerate(phases) if phase == "joy" and i > last]
    phases[joys[0] if joys else -1] = "ending"
    return phases

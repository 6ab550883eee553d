"""Vocabulary of the template writer: the characters and places it recognizes in a theme.

Plain data, no logic. Every character kind has at least four names (a theme may ask
for four of a kind) and every place at least four spots (explore scenes visit them).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """A kind of character. Descriptions read "a <look> <noun> with <feature> and <feature>"."""

    noun: str
    names: tuple[str, ...]
    looks: tuple[str, ...]
    features: tuple[str, ...]


@dataclass(frozen=True)
class Place:
    """A setting. `name` fits in a sentence ("the beach"), `where` says where things happen
    ("at the beach"), `visual` (with its preposition) goes in image prompts; `kind` (outdoor, indoor, space)
    decides which small problems can happen there."""

    name: str
    where: str
    visual: str
    kind: str
    spots: tuple[str, ...]
    activity: str
    title: str


def _kind(noun: str, names: str, looks: str, features: str) -> Kind:
    return Kind(noun, tuple(names.split("|")), tuple(looks.split("|")), tuple(features.split("|")))


KINDS: dict[str, Kind] = {k.noun: k for k in (
    _kind("cat", "Whiskers|Mittens|Luna|Ginger", "small fluffy orange tabby|sleek black|soft gray striped",
          "bright green eyes|a white-tipped tail|a tiny blue bell on its collar|soft pink paws"),
    _kind("kitten", "Button|Pebble|Socks|Marmalade", "tiny fluffy calico|little gray|snowy white",
          "big curious eyes|a tiny pink nose|a wiggly tail|little white socks"),
    _kind("dog", "Buster|Biscuit|Scout|Rex", "bouncy golden retriever|spotted dalmatian|scruffy brown",
          "floppy ears|a red collar|a wagging tail|a big happy grin"),
    _kind("puppy", "Buster|Noodle|Peanut|Waffles", "bouncy golden retriever|little spotted|fluffy brown",
          "floppy ears|a red collar|a wagging tail|oversized paws"),
    _kind("bunny", "Clover|Hoppy|Thistle|Daisy", "fluffy white|soft brown|little gray",
          "long floppy ears|a cotton-ball tail|a twitchy pink nose|big brown eyes"),
    _kind("rabbit", "Clover|Hazel|Barley|Juniper", "soft brown|fluffy white|speckled gray",
          "long velvety ears|a cotton-ball tail|a twitchy nose|strong back feet"),
    _kind("fox", "Rusty|Fern|Copper|Ember", "clever bright orange|small russet|fluffy red",
          "a bushy white-tipped tail|pointy black-tipped ears|a green scarf|sparkly amber eyes"),
    _kind("bear", "Bruno|Barnaby|Honey|Teddy", "big cuddly brown|fuzzy honey-colored|gentle black",
          "round fuzzy ears|a blue knitted scarf|a warm friendly smile|a little backpack"),
    _kind("owl", "Hoot|Olive|Willow|Sage", "wise brown|snowy white|speckled gray",
          "big round glasses|huge golden eyes|soft fluffy feathers|tufted ears"),
    _kind("dragon", "Sparky|Puff|Ziggy|Ember", "friendly green|little purple|shimmering blue",
          "tiny flappy wings|a curly tail|rosy cheeks|sparkly scales"),
    _kind("robot", "Bolt|Beep|Gizmo|Sprocket", "shiny silver|cheerful blue|little round",
          "blinking lights|a friendly screen face|springy antennae|rolling wheels"),
    _kind("girl", "Lily|Maya|Rosie|Zoe", "cheerful little|curious|giggly",
          "curly red hair|two bouncy pigtails|a yellow raincoat|a purple backpack"),
    _kind("boy", "Leo|Sam|Milo|Finn", "cheerful little|curious|giggly",
          "messy brown hair|a green cap|red sneakers|a big gap-toothed smile"),
    _kind("child", "Alex|Jamie|Riley|Quinn", "cheerful little|curious|giggly",
          "a striped sweater|rosy cheeks|a bright orange backpack|muddy rain boots"),
    _kind("princess", "Rosalind|Poppy|Isla|Stella", "kind young|brave little|cheerful",
          "a sparkly crown|a flowing blue dress|long braided hair|a warm smile"),
    _kind("prince", "Oliver|Jasper|Felix|Arthur", "kind young|brave little|cheerful",
          "a golden crown|a red velvet cape|curly hair|a friendly wave"),
    _kind("knight", "Sir Cedric|Dame Nell|Sir Percy|Dame Tilly", "brave little|cheerful|kind",
          "shiny armor|a feathered helmet|a wooden shield|a big brave smile"),
    _kind("mouse", "Pip|Nibbles|Squeak|Tilly", "tiny gray|little brown|small white",
          "round pink ears|a long curly tail|twitchy whiskers|a tiny red scarf"),
    _kind("duck", "Puddles|Waddles|Dolly|Quincy", "cheerful yellow|fluffy white|little brown",
          "an orange beak|webbed orange feet|a blue bow tie|a happy quack"),
    _kind("duckling", "Sunny|Nugget|Puddles|Pipkin", "fluffy yellow|tiny|round little",
          "a tiny orange beak|wobbly webbed feet|soft downy feathers|a curious peep"),
    _kind("turtle", "Shelly|Tucker|Myrtle|Sheldon", "gentle green|little|wise old",
          "a patterned shell|slow steady steps|a kind smile|a tiny straw hat"),
    _kind("frog", "Hopper|Freddy|Lulu|Jumper", "bright green|spotted|little",
          "big round eyes|long springy legs|a wide smile|a lily-pad hat"),
    _kind("unicorn", "Stardust|Sparkle|Moonbeam|Twinkle", "snow-white|pastel pink|shimmering",
          "a golden horn|a rainbow mane|sparkly hooves|a glittery tail"),
    _kind("penguin", "Pebbles|Waddle|Tux|Flurry", "little|fluffy round|cheerful",
          "a black-and-white tuxedo|orange flippers|a red woolly hat|a happy waddle"),
    _kind("elephant", "Peanut|Ellie|Jumbo|Tulip", "gentle gray|baby|big friendly",
          "huge flappy ears|a long curly trunk|a pink bow|kind eyes"),
    _kind("lion", "Roary|Goldie|Rufus|Sunny", "friendly golden|young|fluffy-maned",
          "a big fluffy mane|a tufted tail|a rumbly laugh|a kind smile"),
    _kind("tiger", "Stripes|Tango|Raja|Zara", "orange-striped|playful|young",
          "bold black stripes|a long swishy tail|bright amber eyes|soft white whiskers"),
    _kind("monkey", "Coco|Bongo|Mango|Chip", "cheeky brown|little|playful",
          "a curly tail|a banana-yellow cap|long swinging arms|a mischievous grin"),
    _kind("giraffe", "Gigi|Stretch|Tallulah|Spots", "tall spotted|gentle|young",
          "a very long neck|knobby little horns|long eyelashes|a polka-dot scarf"),
    _kind("pig", "Truffle|Hamlet|Penny|Muddy", "pink|little round|cheerful",
          "a curly tail|a round snout|muddy little hooves|a flower behind one ear"),
    _kind("piglet", "Truffle|Pumpkin|Penny|Sprout", "tiny pink|little round|cheerful",
          "a curly tail|a round snout|muddy little hooves|a flower behind one ear"),
    _kind("cow", "Daisy|Buttercup|Clover|Bessie", "spotted black-and-white|gentle brown|friendly",
          "a jingly bell|soft floppy ears|big kind eyes|a flower crown"),
    _kind("horse", "Star|Dusty|Maple|Chestnut", "chestnut|dappled gray|gentle brown",
          "a flowing mane|a braided tail|a white blaze on its nose|shiny hooves"),
    _kind("pony", "Star|Dusty|Maple|Buttons", "little chestnut|dappled gray|shaggy",
          "a flowing mane|a braided tail|a white blaze on its nose|shiny hooves"),
    _kind("sheep", "Woolly|Cotton|Cloud|Bramble", "fluffy white|curly cream|little",
          "woolly curls|a tiny black nose|a bell on a ribbon|soft black ears"),
    _kind("lamb", "Cotton|Cloud|Snowdrop|Lamkin", "fluffy white|tiny curly|little",
          "woolly curls|a tiny black nose|a bell on a ribbon|wobbly legs"),
    _kind("hedgehog", "Prickles|Spike|Hazel|Bramble", "little brown|round|tiny",
          "soft spines|a pointy nose|tiny paws|a leaf-green scarf"),
    _kind("squirrel", "Nutmeg|Acorn|Scamper|Hazel", "red|gray|little",
          "a bushy tail|tufted ears|cheeks full of acorns|quick little paws"),
    _kind("bird", "Pip|Tweet|Skye|Robin", "little blue|cheerful red|bright yellow",
          "tiny wings|a cheerful song|a pointy orange beak|fluffy feathers"),
    _kind("chick", "Peep|Nugget|Sunny|Fluff", "fluffy yellow|tiny|round little",
          "a tiny orange beak|little wings|soft downy feathers|a curious peep"),
    _kind("panda", "Bamboo|Bao|Mochi|Dumpling", "cuddly black-and-white|round|little",
          "black eye patches|round fuzzy ears|a bamboo snack|a red bow"),
    _kind("koala", "Kiki|Gumnut|Wattle|Nugget", "sleepy gray|fluffy|little",
          "big fuzzy ears|a round black nose|a gumleaf snack|soft gray fur"),
    _kind("dinosaur", "Rexy|Stompy|Dotty|Chomp", "friendly green|little purple|spotted orange",
          "tiny arms|a long swishy tail|bumpy spines|a big goofy grin"),
    _kind("whale", "Splash|Bubbles|Misty|Blue", "gentle blue|giant friendly|little",
          "a spouting blowhole|a big smile|a long tail fin|barnacle freckles"),
    _kind("dolphin", "Flip|Marina|Skipper|Echo", "playful gray|sleek blue|friendly",
          "a bright smile|a curved fin|a clicky laugh|sparkly eyes"),
    _kind("octopus", "Inky|Octavia|Wiggles|Squirt", "purple|curious pink|friendly orange",
          "eight wiggly arms|big round eyes|spotted suckers|a tiny sailor hat"),
    _kind("ladybug", "Dot|Polka|Ruby|Lucky", "tiny red|shiny|little",
          "black polka dots|little wings|wiggly antennae|six tiny feet"),
    _kind("snail", "Sammy|Swirl|Slowpoke|Pebble", "little|gentle|tiny",
          "a swirly shell|wobbly eye stalks|a silvery trail|a patient smile"),
    _kind("wizard", "Wizzle|Alaric|Mirabel|Ozzie", "kindly old|young|cheerful",
          "a starry pointed hat|a long silver beard|a twinkly wand|a swirling purple cloak"),
    _kind("witch", "Hazel|Winnie|Tilly|Moss", "friendly|young|cheerful",
          "a floppy pointed hat|a striped scarf|a little broomstick|a cat-shaped badge"),
    _kind("fairy", "Twinkle|Bluebell|Pixie|Fern", "tiny glowing|little|sparkly",
          "shimmering wings|a flower-petal dress|a glittery wand|a trail of sparkles"),
    _kind("mermaid", "Marina|Pearl|Coral|Nerissa", "cheerful|young|kind",
          "a shimmering green tail|long wavy hair|a seashell necklace|a pearl hairclip"),
    _kind("pirate", "Captain Pip|Patch|Salty|Captain Rosie", "jolly|young|cheerful",
          "a big feathered hat|a striped shirt|a shiny brass telescope|a friendly parrot badge"),
    _kind("astronaut", "Nova|Cosmo|Orbit|Astra", "brave young|curious|cheerful",
          "a shiny white spacesuit|a round glass helmet|a star-covered backpack|moon boots"),
    _kind("alien", "Zib|Blip|Glorp|Nebula", "little green|friendly purple|round blue",
          "three blinking eyes|bouncy antennae|a tiny flying saucer|a wobbly smile"),
    _kind("monster", "Fuzzle|Grumbo|Wiggle|Boo", "friendly fuzzy blue|big soft purple|little green",
          "one big curious eye|tiny horns|a fluffy round belly|a goofy grin"),
    _kind("ghost", "Boo|Whisper|Wisp|Misty", "friendly little|giggly|shy",
          "a floaty white sheet|big round eyes|a soft glow|a wobbly wave"),
    _kind("grandma", "Grandma Rose|Granny Mabel|Nana June|Grandma Pearl", "kind|smiling|cozy",
          "silver curly hair|round glasses|a flowery apron|a warm hug"),
    _kind("grandpa", "Grandpa Joe|Grandpa Bert|Pops|Grandpa Ted", "kind|smiling|jolly",
          "a bushy white mustache|a tweed cap|round glasses|a walking stick"),
)}

# Other words for the same kinds, and irregular plurals.
ALIASES = {"kitty": "kitten", "doggy": "dog", "pup": "puppy", "bunnies": "bunny", "puppies": "puppy",
           "kitties": "kitten", "mice": "mouse", "sheep": "sheep", "children": "child", "kids": "child",
           "kid": "child", "dino": "dinosaur", "dinos": "dinosaur", "teddy": "bear", "bluebird": "bird",
           "birdie": "bird", "foxes": "fox", "ponies": "pony", "fairies": "fairy", "witches": "witch",
           "princesses": "princess", "ladybird": "ladybug", "ladybugs": "ladybug", "octopuses": "octopus",
           "granny": "grandma", "grandmother": "grandma", "grandfather": "grandpa", "bot": "robot",
           "ducklings": "duckling", "chicks": "chick", "dragons": "dragon", "knights": "knight",
           "daughter": "girl", "son": "boy", "sister": "girl", "brother": "boy", "toddler": "child"}

# Friends for a theme that names no character, and sidekicks for one that names one.
DEFAULT_PAIRS = (("bunny", "fox"), ("bear", "owl"), ("cat", "puppy"), ("duck", "turtle"),
                 ("mouse", "hedgehog"), ("panda", "monkey"))
SIDEKICKS = ("bird", "mouse", "bunny", "duckling", "ladybug")

COLORS = {"red", "orange", "yellow", "green", "blue", "purple", "pink", "white", "black", "brown", "gray",
          "grey", "golden", "silver", "spotted", "striped", "rainbow", "sparkly", "shiny"}
TRAITS = {"little", "tiny", "big", "brave", "shy", "sleepy", "curious", "clever", "friendly", "grumpy",
          "happy", "silly", "kind", "gentle", "wise", "young", "old", "fluffy", "giant", "small", "bouncy",
          "cheerful", "playful", "lonely", "busy", "hungry", "lazy", "cuddly", "magical", "smart"}


_AT = {"the beach", "the pond", "the lake", "the river", "the farm", "the playground", "school", "the zoo",
       "the snowy hill", "the island"}


def _place(name: str, visual: str, kind: str, spots: str, activity: str, title: str) -> Place:
    preposition = "in"
    if name in _AT:
        preposition = "on" if name in ("the snowy hill", "the island", "the farm") else "at"
    if name in ("the pond", "the lake", "the river"):
        preposition = "by"
    return Place(name, f"{preposition} {name}", visual, kind, tuple(spots.split("|")), activity, title)


PLACES: dict[str, Place] = {
    "garden": _place("the garden", "in a sunny garden full of flowers and butterflies", "outdoor",
                     "the vegetable patch|the old oak tree|the lily pond|the tall sunflowers|the rose bushes",
                     "playing hide and seek", "Garden"),
    "park": _place("the park", "in a green park with a winding path and a duck pond", "outdoor",
                   "the big slide|the duck pond|the bandstand|the tall chestnut tree|the swings",
                   "playing tag", "Park"),
    "forest": _place("the forest", "in a friendly green forest with tall trees and dappled sunlight", "outdoor",
                     "a hollow log|a mossy rock|a babbling brook|a ring of toadstools|a giant old tree",
                     "exploring", "Forest"),
    "beach": _place("the beach", "on a sandy beach with gentle waves and seashells", "outdoor",
                    "the rock pools|the tall sand dunes|the little lighthouse|the edge of the waves|a pile of driftwood",
                    "building sandcastles", "Beach"),
    "pond": _place("the pond", "by a sparkling pond with lily pads and tall reeds", "outdoor",
                   "the lily pads|the tall reeds|the little wooden jetty|a flat sunny stone|the weeping willow",
                   "splashing in the shallow water", "Pond"),
    "lake": _place("the lake", "by a calm blue lake surrounded by hills", "outdoor",
                   "the little boathouse|a grassy bank|the wooden pier|a pebbly shore|a tiny island",
                   "skipping stones", "Lake"),
    "river": _place("the river", "by a gentle river winding through green meadows", "outdoor",
                    "the stepping stones|the old stone bridge|a sandy bend|the tall reeds|a shady willow",
                    "floating leaf boats", "River"),
    "meadow": _place("the meadow", "in a sunny meadow full of wildflowers", "outdoor",
                     "a patch of daisies|a little hill|a lonely old tree|a field of tall grass|a buzzing beehive",
                     "picking wildflowers", "Meadow"),
    "farm": _place("the farm", "on a cheerful farm with a red barn and rolling fields", "outdoor",
                   "the red barn|the haystack|the apple orchard|the duck pond|the vegetable field",
                   "feeding the farm animals", "Farm"),
    "jungle": _place("the jungle", "in a lush green jungle with giant leaves and colorful birds", "outdoor",
                     "a splashing waterfall|a tangle of vines|a giant hollow tree|a bright flower bush|a muddy riverbank",
                     "swinging on vines", "Jungle"),
    "snow": _place("the snowy hill", "on a snowy hill with soft white snow and frosty pine trees", "outdoor",
                   "the frozen pond|a tall snowdrift|the frosty pine trees|the top of the hill|a little igloo",
                   "building a snowman", "Snow"),
    "mountain": _place("the mountains", "in green mountains with winding trails and a sparkling waterfall", "outdoor",
                       "a winding trail|a sparkling waterfall|a cozy cave|a windy lookout|a field of alpine flowers",
                       "hiking", "Mountain"),
    "space": _place("outer space", "in outer space with twinkling stars, colorful planets and a glowing moon",
                    "space", "a ringed planet|a glittering comet|the craters of the moon|a twinkling star cluster|a bouncy moon rock",
                    "exploring the stars", "Space"),
    "castle": _place("the castle", "in a fairy-tale castle with tall towers and colorful flags", "outdoor",
                     "the tall tower|the courtyard|the drawbridge|the royal garden|the great hall",
                     "exploring the castle", "Castle"),
    "kitchen": _place("the kitchen", "in a cozy kitchen with a big wooden table and a warm oven", "indoor",
                      "the big wooden table|the pantry shelf|the warm oven|the cookie jar|the kitchen window",
                      "baking cookies", "Kitchen"),
    "bedroom": _place("the bedroom", "in a cozy bedroom with a soft bed and a toy box", "indoor",
                      "the toy box|the soft bed|the window seat|the bookshelf|the blanket fort",
                      "building a blanket fort", "Bedroom"),
    "playground": _place("the playground", "in a bright playground with slides and swings", "outdoor",
                         "the twisty slide|the swings|the sandpit|the climbing frame|the seesaw",
                         "playing on the slides", "Playground"),
    "school": _place("school", "in a cheerful classroom with paintings on the walls", "indoor",
                     "the reading corner|the paint table|the class aquarium|the big blackboard|the cubbies",
                     "painting pictures", "School"),
    "library": _place("the library", "in a cozy library with tall shelves of colorful books", "indoor",
                      "the tallest bookshelf|the reading nook|the globe|the story rug|the window seat",
                      "reading stories", "Library"),
    "city": _place("the city", "in a bright friendly city with colorful buildings and a big park", "outdoor",
                   "the busy market|the fountain|the bakery|the clock tower|the little bridge",
                   "exploring the streets", "City"),
    "desert": _place("the desert", "in a warm golden desert with tall cacti and sand dunes", "outdoor",
                     "a tall cactus|a sand dune|a shady oasis|a painted rock|a sleepy lizard's den",
                     "looking for treasure", "Desert"),
    "island": _place("the island", "on a tiny tropical island with palm trees and turquoise water", "outdoor",
                     "the palm trees|a hidden cove|the coconut grove|the sandy shore|a lookout rock",
                     "looking for seashells", "Island"),
    "cave": _place("the cave", "in a sparkly cave full of glowing crystals", "outdoor",
                   "a glowing crystal|an underground pool|a narrow tunnel|a big echoing chamber|a glittering wall",
                   "exploring", "Cave"),
    "zoo": _place("the zoo", "in a sunny zoo with happy animals", "outdoor",
                  "the penguin pool|the giraffe house|the monkey trees|the reptile house|the lion's rock",
                  "visiting the animals", "Zoo"),
    "sky": _place("the sky", "up in a bright blue sky full of fluffy clouds", "outdoor",
                  "a fluffy cloud|a rainbow|a flock of birds|a hot-air balloon|a high breezy hilltop",
                  "flying kites", "Sky"),
}

# Theme words that name a place, when the place's key is not the word itself.
PLACE_WORDS = {"gardens": "garden", "backyard": "garden", "yard": "garden", "woods": "forest", "forests": "forest",
               "seaside": "beach", "sea": "beach", "ocean": "beach", "sand": "beach", "sandcastle": "beach",
               "sandcastles": "beach", "seashells": "beach", "ponds": "pond", "field": "meadow", "fields": "meadow",
               "barn": "farm", "winter": "snow", "snowy": "snow", "snowman": "snow", "sledding": "snow",
               "mountains": "mountain", "hills": "mountain", "hill": "meadow", "moon": "space", "stars": "space",
               "planet": "space", "planets": "space", "rocket": "space", "kingdom": "castle", "bakery": "kitchen",
               "cookies": "kitchen", "cake": "kitchen", "baking": "kitchen", "bake": "kitchen", "bed": "bedroom",
               "bedtime": "bedroom", "classroom": "school", "books": "library", "town": "city", "clouds": "sky",
               "kite": "sky", "kites": "sky", "balloon": "sky", "jungles": "jungle", "rainforest": "jungle"}

# Words that end in -ing but are not verbs; a theme's activity is never one of them.
NOT_VERBS = {"king", "ring", "thing", "morning", "evening", "spring", "swing", "wing", "string", "something",
             "everything", "nothing", "anything", "ceiling", "sing", "bring", "sibling", "pudding",
             "darling", "duckling", "earring", "icing", "ping", "sting", "wedding", "viking", "stocking"}

# Verbs a theme may use in the base or -s form ("a robot learns to bake").
VERBS = {"play", "build", "bake", "explore", "find", "search", "fly", "swim", "race", "dance", "sing", "paint",
         "plant", "learn", "make", "cook", "share", "visit", "look", "go", "climb", "hunt", "sail", "ride",
         "dig", "catch", "chase", "throw", "draw", "read", "camp", "help", "grow", "skate", "jump", "hop",
         "run", "sled", "ski", "pick", "collect", "discover", "save", "celebrate", "plan", "write", "slide",
         "splash", "float", "bounce", "roll", "hike", "glide", "skip", "bathe", "nap", "knit", "garden"}

# Theme nouns that suggest what the friends do when the theme has no verb ("a teddy bear picnic").
ACTIVITY_NOUNS = {"picnic": "having a picnic", "party": "having a party", "adventure": "going on an adventure",
                  "treasure": "hunting for treasure", "birthday": "planning a birthday party",
                  "race": "having a race", "sandcastle": "building a sandcastle", "snowman": "building a snowman",
                  "kite": "flying a kite", "kites": "flying kites", "cookies": "baking cookies",
                  "cake": "baking a cake", "tea": "having a tea party", "games": "playing games",
                  "music": "making music", "stars": "counting the stars", "rainbow": "chasing a rainbow"}
